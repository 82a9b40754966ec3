package io.fusion4j.api.router;

import io.fusion4j.api.autograd.Parameters;

/**
 * What a {@link RouterProvider} gets to build a router: where to declare parameters ({@code params} under
 * {@code prefix}, e.g. {@code layers.3.ffn.router}), the model width, how many experts to route to, the init scale,
 * the layer (for random streams) and the {@link Routers} registry, so a router can build sub-routers by name.
 */
public record RouterContext(Parameters params, String prefix, int dim, int experts, int layer, float initStd,
                            Routers routers) {
    public RouterContext {
        if (params == null || prefix == null || routers == null) {
            throw new IllegalArgumentException("a router context needs parameters, a prefix and the router registry");
        }
        if (dim < 1 || experts < 1 || layer < 0) {
            throw new IllegalArgumentException("router at '" + prefix + "': dim and experts must be >= 1 and layer"
                    + " >= 0, found dim=" + dim + " experts=" + experts + " layer=" + layer);
        }
    }

    /** The context of a sub-router of {@code experts} experts under {@code prefix + "." + suffix}. */
    public RouterContext child(String suffix, int experts) {
        return new RouterContext(params, prefix + "." + suffix, dim, experts, layer, initStd, routers);
    }
}
