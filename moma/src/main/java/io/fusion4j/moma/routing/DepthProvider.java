package io.fusion4j.moma.routing;

import io.fusion4j.api.UserInputException;
import io.fusion4j.api.router.Router;
import io.fusion4j.api.router.RouterContext;
import io.fusion4j.api.router.RouterOption;
import io.fusion4j.api.router.RouterOptions;
import io.fusion4j.api.router.RouterProvider;

import java.util.List;

/** {@code depth}: mixture-of-depths, the top share of each sequence goes through the block ({@link DepthRouter}). */
public final class DepthProvider implements RouterProvider {
    public static final String NAME = "depth";

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public String description() {
        return "mixture-of-depths: per sequence the top c·T tokens go through the block, gated by sigmoid; the rest skip";
    }

    @Override
    public List<RouterOption> options() {
        return List.of(RouterOption.number("capacity", 0.25, "share of each sequence's tokens that the block processes"));
    }

    @Override
    public Router create(RouterContext ctx, RouterOptions o) {
        double c = o.number("capacity");
        if (!(c > 0 && c <= 1)) {
            throw new UserInputException("router 'depth' option 'capacity' must be in (0, 1], found " + c);
        }
        if (ctx.experts() != 1) {
            throw new UserInputException("router 'depth' routes to one block, not " + ctx.experts() + " experts");
        }
        return new DepthRouter(new RouterScores(ctx, 1), c);
    }
}
