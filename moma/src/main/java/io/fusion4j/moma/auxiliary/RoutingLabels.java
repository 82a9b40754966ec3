package io.fusion4j.moma.auxiliary;

import io.fusion4j.api.autograd.Graph;
import io.fusion4j.api.autograd.Var;
import io.fusion4j.api.router.Routing;
import io.fusion4j.api.router.RoutingTap;
import io.fusion4j.api.tensor.DType;
import io.fusion4j.api.tensor.Shape;
import io.fusion4j.api.tensor.Tensor;

import java.util.ArrayList;
import java.util.List;

/**
 * The labels auxiliary routers learn: tapped from a batch-routing pass, for each router the rows it routed (padding
 * left out) and {@code label[i·E + e] = 1} iff expert {@code e} took row {@code i}. The hidden states stay in the
 * pass's arena, so the labels are used before it is released.
 */
final class RoutingLabels implements RoutingTap {
    /** One router's decisions: {@code hidden [rows, dim]} (detached) and {@code labels [rows · experts]}. */
    record Decision(String router, Tensor hidden, float[] labels, int rows, int experts) {
    }

    private final Graph graph;
    private final List<Decision> decisions = new ArrayList<>();

    /** @param graph the no-gradient graph of the labelling pass (its backend and arena hold the copies) */
    RoutingLabels(Graph graph) {
        this.graph = graph;
    }

    List<Decision> decisions() {
        return decisions;
    }

    @Override
    public void routed(String router, Var hidden, Routing routing, boolean[] valid) {
        int n = Math.toIntExact(hidden.value().dim(0));
        int experts = routing.experts();
        int[] compact = new int[n];
        int kept = 0;
        for (int i = 0; i < n; i++) {
            compact[i] = valid == null || valid[i] ? kept++ : -1;
        }
        int[] rows = new int[Math.toIntExact(routing.assignments())];
        if (rows.length > 0) {
            graph.backend().copyToHost(routing.rows(), rows);
        }
        int[] off = routing.hostOffsets();
        float[] labels = new float[kept * experts];
        for (int e = 0; e < experts; e++) {
            for (int j = off[e]; j < off[e + 1]; j++) {
                int c = compact[rows[j]];
                if (c >= 0) {
                    labels[c * experts + e] = 1f;
                }
            }
        }
        Tensor x = hidden.value();
        if (kept < n) {
            int[] idx = new int[kept];
            for (int i = 0; i < n; i++) {
                if (compact[i] >= 0) {
                    idx[compact[i]] = i;
                }
            }
            Tensor it = graph.arena().allocate(DType.I32, Shape.of(kept));
            Tensor out = graph.arena().allocate(DType.F32, Shape.of(kept, x.dim(1)));
            if (kept > 0) {
                graph.backend().copyFromHost(idx, it);
                graph.backend().gatherRows(x, it, out);
            }
            x = out;
        }
        decisions.add(new Decision(router, x, labels, kept, experts));
    }
}
