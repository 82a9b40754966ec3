package io.fusion4j.moma.routing;

import io.fusion4j.api.autograd.Graph;
import io.fusion4j.api.nn.TokenMeta;
import io.fusion4j.api.router.Router;
import io.fusion4j.api.router.RouterInput;
import io.fusion4j.api.router.Routing;
import io.fusion4j.api.tensor.DType;
import io.fusion4j.api.tensor.Shape;
import io.fusion4j.api.tensor.Tensor;

/**
 * Keeps padding out of a flat router's competition: when the input's layout has padding, the router routes only the
 * valid rows (as a group without layout) and the result is mapped back to the input's rows. Padding then takes no
 * expert capacity and gets no expert.
 */
final class PaddingFree {
    private PaddingFree() {
    }

    /** The routing of {@code in} through {@code router} with padding excluded, or null when there is no padding. */
    static Routing route(Router router, RouterInput in) {
        TokenMeta tokens = in.tokens();
        if (tokens == null) {
            return null;
        }
        long valid = tokens.validTokens();
        if (valid == in.rows()) {
            return null;
        }
        Graph g = in.pass().graph();
        boolean[] ok = tokens.hostValid(g.backend());
        int[] idx = new int[(int) valid];
        int q = 0;
        for (int i = 0; i < ok.length; i++) {
            if (ok[i]) {
                idx[q++] = i;
            }
        }
        Tensor rows = g.arena().allocate(DType.I32, Shape.of(valid));
        g.backend().copyFromHost(idx, rows);
        Routing sub = router.route(new RouterInput(in.pass(), g.gatherRows(in.hidden(), rows), null));
        Tensor global = g.arena().allocate(DType.I32, Shape.of(sub.assignments()));
        if (sub.assignments() > 0) {
            g.backend().gatherIndices(rows, sub.rows(), global);
        }
        return new Routing(in.rows(), sub.experts(), global, sub.offsets(), sub.counts(), sub.gates(), sub.dropped());
    }
}
