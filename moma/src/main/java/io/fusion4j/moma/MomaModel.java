package io.fusion4j.moma;

import io.fusion4j.api.nn.Block;
import io.fusion4j.api.nn.BlockFactory;
import io.fusion4j.api.nn.Decoder;
import io.fusion4j.api.nn.FeedForwardFactory;
import io.fusion4j.api.router.Router;
import io.fusion4j.api.router.RouterContext;
import io.fusion4j.api.router.Routers;

/**
 * Builds the {@link Decoder} a {@link MomaConfig} describes: its feed-forward factory puts a router and experts
 * ({@link ExpertFeedForward}) in every layer when {@code experts > 1}, its block factory wraps the depth-routed layers
 * in a {@link DepthRoutedBlock}. Routers come from {@code routers} by name.
 */
public final class MomaModel {
    private MomaModel() {
    }

    public static Decoder build(MomaConfig c, Routers routers) {
        FeedForwardFactory ffn = c.experts() == 1 ? FeedForwardFactory.SWIGLU : (params, prefix, layer, d) -> {
            Router r = routers.create(c.router(), new RouterContext(params, prefix + ".router", d.dim(), c.experts(),
                    layer, d.initStd(), routers));
            return new ExpertFeedForward(params, prefix, r, d.dim(), d.ffnHidden(), d.initStd());
        };
        BlockFactory blocks = c.depth() == null ? BlockFactory.TRANSFORMER : (params, prefix, layer, d, f) -> {
            Block inner = BlockFactory.TRANSFORMER.create(params, prefix, layer, d, f);
            if (!c.depth().routes(layer)) {
                return inner;
            }
            Router r = routers.create(c.depth().router(), new RouterContext(params, prefix + ".depth_router", d.dim(),
                    1, layer, d.initStd(), routers));
            return new DepthRoutedBlock(prefix, inner, r);
        };
        return new Decoder(c.base(), ffn, blocks);
    }
}
