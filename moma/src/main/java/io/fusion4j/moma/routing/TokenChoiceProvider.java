package io.fusion4j.moma.routing;

import io.fusion4j.api.UserInputException;
import io.fusion4j.api.router.Router;
import io.fusion4j.api.router.RouterContext;
import io.fusion4j.api.router.RouterOption;
import io.fusion4j.api.router.RouterOptions;
import io.fusion4j.api.router.RouterProvider;

import java.util.List;

/** {@code token-choice}: each token picks its top-k experts ({@link TokenChoiceRouter}). */
public final class TokenChoiceProvider implements RouterProvider {
    public static final String NAME = "token-choice";

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public String description() {
        return "each token takes its top-k experts by softmax (Switch balance loss, router z-loss, capacity drops)";
    }

    @Override
    public List<RouterOption> options() {
        return List.of(
                RouterOption.integer("k", 1, "experts per token"),
                RouterOption.number("capacity", 1.25, "capacity factor: an expert keeps ceil(c·n·k/E) tokens; 0 = no limit"),
                RouterOption.number("balance", 0.01, "weight of the load-balancing loss (0 = off)"),
                RouterOption.number("zLoss", 0.001, "weight of the router z-loss (0 = off)"));
    }

    @Override
    public Router create(RouterContext ctx, RouterOptions o) {
        int k = o.integer("k");
        if (k < 1 || k > ctx.experts()) {
            throw new UserInputException("router 'token-choice' option 'k' must be in [1, " + ctx.experts()
                    + "] (the experts it routes to), found " + k);
        }
        for (String w : List.of("capacity", "balance", "zLoss")) {
            if (o.number(w) < 0) {
                throw new UserInputException("router 'token-choice' option '" + w + "' must be >= 0, found "
                        + o.number(w));
            }
        }
        return new TokenChoiceRouter(new RouterScores(ctx, ctx.experts()), ctx.experts(), k, o.number("capacity"), o.number("balance"), o.number("zLoss"));
    }
}
