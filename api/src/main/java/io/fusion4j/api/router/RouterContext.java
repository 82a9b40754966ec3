package io.fusion4j.api.router;

import io.fusion4j.api.autograd.Parameters;

/**
 * What a {@link RouterProvider} gets to build a router: where to declare parameters ({@code params} under
 * {@code prefix}, e.g. {@code layers.3.ffn.router}), the model width, how many experts to route to, the init scale,
 * the layer and the noise stream (which counters of {@link io.fusion4j.api.nn.ForwardPass.Noise} this router draws:
 * {@link #noiseOffset}), and the {@link Routers} registry, so a router can build sub-routers by name.
 *
 * @param stream which of a layer's {@value #STREAMS} router noise streams this router owns: 0 for a layer's router,
 *               another for each sub-router ({@link #child(String, int, int)}), so no two routers of a pass draw the
 *               same noise
 */
public record RouterContext(Parameters params, String prefix, int dim, int experts, int layer, float initStd,
                            Routers routers, int stream) {
    /** Router noise streams per layer. */
    public static final int STREAMS = 8;
    /** Counters per layer: 2^24 of a pass's 2^32, so 256 layers fit. */
    public static final long LAYER_COUNTERS = 1L << 24;
    /** Counters per stream: enough for 2^21 scores a router. */
    public static final long STREAM_COUNTERS = LAYER_COUNTERS / STREAMS;

    public RouterContext {
        if (params == null || prefix == null || routers == null) {
            throw new IllegalArgumentException("a router context needs parameters, a prefix and the router registry");
        }
        if (dim < 1 || experts < 1 || layer < 0 || layer >= 256 || stream < 0 || stream >= STREAMS) {
            throw new IllegalArgumentException("router at '" + prefix + "': dim and experts must be >= 1, layer in [0,"
                    + " 256) and stream in [0, " + STREAMS + "), found dim=" + dim + " experts=" + experts + " layer="
                    + layer + " stream=" + stream);
        }
    }

    /** A layer's router: stream 0. */
    public RouterContext(Parameters params, String prefix, int dim, int experts, int layer, float initStd,
                         Routers routers) {
        this(params, prefix, dim, experts, layer, initStd, routers, 0);
    }

    /** The context of a sub-router of {@code experts} experts under {@code prefix + "." + suffix}, on its own stream. */
    public RouterContext child(String suffix, int experts, int stream) {
        return new RouterContext(params, prefix + "." + suffix, dim, experts, layer, initStd, routers, stream);
    }

    /** The context of a sub-router on this router's stream (a router with a single sub-router). */
    public RouterContext child(String suffix, int experts) {
        return child(suffix, experts, stream);
    }

    /**
     * Where this router's noise starts within a pass's noise stream: {@code layer · 2^24 + stream · 2^21}; a router
     * draws at most {@link #STREAM_COUNTERS} numbers from there.
     */
    public long noiseOffset() {
        return layer * LAYER_COUNTERS + stream * STREAM_COUNTERS;
    }
}
