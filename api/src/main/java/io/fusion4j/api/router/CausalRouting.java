package io.fusion4j.api.router;

import io.fusion4j.api.autograd.Graph;
import io.fusion4j.api.autograd.Var;

/**
 * Per-token stand-ins for routers that rank tokens against each other (expert choice, depth): for router
 * {@code router} (its parameter prefix) and the rows {@code hidden [n, dim]} it routes, the probability
 * {@code [n, experts]} that each expert would take each row. A router that honours it takes row {@code t} into expert
 * {@code e} iff the probability exceeds 0.5, so a row's routing depends on that row alone (MoMa §3.2).
 */
public interface CausalRouting {
    /** Membership probabilities {@code [n, experts]}; an error naming {@code router} when it has no predictor. */
    Var probabilities(Graph g, String router, Var hidden);
}
