package io.fusion4j.moma.routing;

import io.fusion4j.api.autograd.Graph;
import io.fusion4j.api.autograd.Var;
import io.fusion4j.api.router.CausalRouting;
import io.fusion4j.api.router.Routing;
import io.fusion4j.api.tensor.DType;
import io.fusion4j.api.tensor.Shape;
import io.fusion4j.api.tensor.Tensor;

/**
 * Routing by per-token predictors (MoMa §3.2): row {@code t} goes to expert {@code e} iff the predictor's probability
 * exceeds {@value #THRESHOLD}, gated by the main router's own score for that row and expert. Rows come sorted by
 * expert and ascending within one, so a depth router's chosen rows are in sequence-then-position order.
 */
final class CausalMembership {
    /** A predicted probability above this admits the row. */
    static final float THRESHOLD = 0.5f;

    private CausalMembership() {
    }

    /**
     * The routing of {@code hidden [n, dim]} by router {@code router}'s predictor in {@code causal}, with gates taken
     * from {@code scores [n, experts]}; rows {@code valid} marks false (padding) go nowhere ({@code valid} null: none
     * is padding).
     */
    static Routing route(Graph g, CausalRouting causal, String router, Var hidden, Var scores, int experts,
                         boolean[] valid) {
        int n = Math.toIntExact(hidden.value().dim(0));
        Var p = causal.probabilities(g, router, hidden);
        if (p.value().dim(0) != n || p.value().numel() != (long) n * experts) {
            throw new IllegalStateException("auxiliary router of '" + router + "' gave " + p.value().shape()
                    + " probabilities for " + n + " rows and " + experts + " experts");
        }
        float[] prob = new float[n * experts];
        if (prob.length > 0) {
            g.backend().copyToHost(p.value(), prob);
        }
        int[] counts = new int[experts];
        int m = 0;
        for (int i = 0; i < n; i++) {
            if (valid == null || valid[i]) {
                for (int e = 0; e < experts; e++) {
                    if (prob[i * experts + e] > THRESHOLD) {
                        counts[e]++;
                        m++;
                    }
                }
            }
        }
        int[] rows = new int[m];
        int[] scoreAt = new int[m];
        int[] next = Routing.offsetsOf(counts);
        for (int i = 0; i < n; i++) {
            if (valid == null || valid[i]) {
                for (int e = 0; e < experts; e++) {
                    if (prob[i * experts + e] > THRESHOLD) {
                        rows[next[e]] = i;
                        scoreAt[next[e]++] = i * experts + e;
                    }
                }
            }
        }
        Tensor rowT = g.arena().allocate(DType.I32, Shape.of(m));
        Tensor offsets = Routing.offsets(g.backend(), g.arena(), counts);
        if (m == 0) {
            return new Routing(n, experts, rowT, offsets, counts, null, 0);
        }
        g.backend().copyFromHost(rows, rowT);
        Tensor at = g.arena().allocate(DType.I32, Shape.of(m));
        g.backend().copyFromHost(scoreAt, at);
        Var flat = g.reshape(scores, Shape.of((long) n * experts, 1));
        Var gates = g.reshape(g.gatherRows(flat, at), Shape.of(m));
        return new Routing(n, experts, rowT, offsets, counts, gates, 0);
    }
}
