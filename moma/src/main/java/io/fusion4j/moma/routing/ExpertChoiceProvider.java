package io.fusion4j.moma.routing;

import io.fusion4j.api.router.Router;
import io.fusion4j.api.router.RouterContext;
import io.fusion4j.api.router.RouterOption;
import io.fusion4j.api.router.RouterOptions;
import io.fusion4j.api.router.RouterProvider;

import java.util.List;
import java.util.Locale;

/** {@code expert-choice}: each expert takes its top rows of the routing group ({@link ExpertChoiceRouter}). */
public final class ExpertChoiceProvider implements RouterProvider {
    public static final String NAME = "expert-choice";

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public String description() {
        return "each expert takes its top ceil(c·n/E) tokens of the group (MoMa; non-causal, no balance loss)";
    }

    @Override
    public List<RouterOption> options() {
        return List.of(
                RouterOption.number("capacity", 1.0, "capacity factor c: average experts per token"),
                RouterOption.choice("scores", "sigmoid", List.of("sigmoid", "softmax"),
                        "sigmoid per (token, expert) as MoMa, or softmax over experts as Zhou et al."),
                RouterOption.bool("noise", false, "Gumbel-sigmoid: logistic noise on the logits while training"));
    }

    @Override
    public Router create(RouterContext ctx, RouterOptions o) {
        double c = o.number("capacity");
        if (!(c > 0)) {
            throw new io.fusion4j.api.UserInputException("router 'expert-choice' option 'capacity' must be > 0, found " + c);
        }
        ExpertChoiceRouter.Scores s = ExpertChoiceRouter.Scores.valueOf(o.choice("scores").toUpperCase(Locale.ROOT));
        if (o.bool("noise") && s == ExpertChoiceRouter.Scores.SOFTMAX) {
            throw new io.fusion4j.api.UserInputException("router 'expert-choice': option 'noise' (Gumbel-sigmoid) needs"
                    + " scores 'sigmoid', found 'softmax'");
        }
        return new ExpertChoiceRouter(new RouterScores(ctx, ctx.experts()), ctx.experts(), c, s, o.bool("noise"));
    }
}
