package io.fusion4j.api.router;

/**
 * How the routers of one forward pass decide. {@link #BATCH} is training-time routing: expert choice and depth
 * routing rank each token against the whole batch or sequence. {@link #causal} hands such routers per-token
 * predictors, which makes every built-in router causal (inference, generation). A {@code tap} sees every batch
 * decision (collecting auxiliary-router labels); it is never called under causal routing. {@code flips} makes batch
 * routing deliberately wrong: mixture-of-depths routers flip a random fraction of their per-token decisions (the
 * routing-error sweep); other routers ignore it.
 *
 * @param causal null for batch routing
 * @param tap    null when nobody listens
 * @param flips  null for no deliberate errors
 */
public record RoutingMode(CausalRouting causal, RoutingTap tap, DecisionFlips flips) {
    /** Training-time routing, unobserved. */
    public static final RoutingMode BATCH = new RoutingMode(null, null, null);

    public RoutingMode {
        if (causal != null && tap != null) {
            throw new IllegalArgumentException("a routing tap records batch decisions; a causal pass makes none");
        }
        if (flips != null && (causal != null || tap != null)) {
            throw new IllegalArgumentException("decision flips perturb batch routing; they go with neither causal"
                    + " routing nor a tap (whose labels they would corrupt)");
        }
    }

    public RoutingMode(CausalRouting causal, RoutingTap tap) {
        this(causal, tap, null);
    }

    /** Batch routing with the mixture-of-depths decisions flipped by {@code flips}. */
    public static RoutingMode flipped(DecisionFlips flips) {
        if (flips == null) {
            throw new IllegalArgumentException("a flipped routing mode needs its flips");
        }
        return new RoutingMode(null, null, flips);
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
