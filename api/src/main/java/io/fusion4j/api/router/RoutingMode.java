package io.fusion4j.api.router;

/**
 * How the routers of one forward pass decide. {@link #BATCH} is training-time routing: expert choice and depth
 * routing rank each token against the whole batch or sequence. {@link #causal} hands such routers per-token
 * predictors, which makes every built-in router causal (inference, generation). A {@code tap} sees every batch
 * decision (collecting auxiliary-router labels); it is never called under causal routing.
 *
 * @param causal null for batch routing
 * @param tap    null when nobody listens
 */
public record RoutingMode(CausalRouting causal, RoutingTap tap) {
    /** Training-time routing, unobserved. */
    public static final RoutingMode BATCH = new RoutingMode(null, null);

    public RoutingMode {
        if (causal != null && tap != null) {
            throw new IllegalArgumentException("a routing tap records batch decisions; a causal pass makes none");
        }
    }

    /** Membership from {@code predictors}, gates from the main routers. */
    public static RoutingMode causal(CausalRouting predictors) {
        if (predictors == null) {
            throw new IllegalArgumentException("causal routing needs its predictors (auxiliary routers)");
        }
        return new RoutingMode(predictors, null);
    }

    /** Batch routing whose decisions {@code tap} sees. */
    public static RoutingMode tapped(RoutingTap tap) {
        if (tap == null) {
            throw new IllegalArgumentException("a tapped routing mode needs its tap");
        }
        return new RoutingMode(null, tap);
    }

    public boolean isCausal() {
        return causal != null;
    }
}
