package io.fusion4j.moma;

import io.fusion4j.api.autograd.Graph;
import io.fusion4j.api.autograd.Parameters;
import io.fusion4j.api.autograd.Var;
import io.fusion4j.api.nn.FeedForward;
import io.fusion4j.api.nn.ForwardPass;
import io.fusion4j.api.nn.NamedComponent;
import io.fusion4j.api.router.ExpertGroup;
import io.fusion4j.api.router.Router;
import io.fusion4j.api.router.RouterInput;
import io.fusion4j.api.router.Routing;
import io.fusion4j.api.router.RoutingStats;
import io.fusion4j.api.tensor.DType;
import io.fusion4j.api.tensor.Shape;
import io.fusion4j.api.tensor.Tensor;

import java.util.ArrayList;
import java.util.List;

/**
 * A mixture of SwiGLU experts behind a {@link Router}: {@code y[t] = Σ_(e takes t) gate · w2_e(silu(w1_e x) ⊙ w3_e x)}.
 * Dispatch is gather rows → grouped GEMM (w1, w3) → SwiGLU → grouped GEMM (w2) → gated scatter-add, every step a
 * backend kernel with its backward; experts process only the rows routed to them, so FLOPs follow the routing.
 *
 * <p>Parameters: the router's (under {@code prefix.router}), then {@code prefix.experts[.group].j.w1 [hidden, dim]} for
 * every expert, then every {@code w3}, then every {@code w2 [dim, hidden]}: each kind declared in a row so all experts'
 * weights are one {@code [E, out, in]} view.
 */
public final class ExpertFeedForward extends NamedComponent implements FeedForward {
    private final Parameters params;
    private final Router router;
    private final String[] w1;
    private final String[] w3;
    private final String[] w2;

    /** Declares the experts of {@code router.groups()} under {@code prefix}; the router was built under {@code prefix.router}. */
    public ExpertFeedForward(Parameters params, String prefix, Router router, int dim, int hidden, float std) {
        super(prefix);
        this.params = params;
        this.router = router;
        List<String> names = new ArrayList<>();
        for (ExpertGroup gr : router.groups()) {
            for (int j = 0; j < gr.experts(); j++) {
                names.add(gr.expertPrefix(prefix, j));
            }
        }
        int e = names.size();
        if (e != router.experts()) {
            throw new IllegalArgumentException("router " + router.name() + " lists " + e + " experts in its groups but"
                    + " routes to " + router.experts());
        }
        w1 = new String[e];
        w3 = new String[e];
        w2 = new String[e];
        for (int i = 0; i < e; i++) {
            w1[i] = names.get(i) + ".w1";
            params.declare(w1[i], Shape.of(hidden, dim), new Parameters.Init.Normal(std), true);
        }
        for (int i = 0; i < e; i++) {
            w3[i] = names.get(i) + ".w3";
            params.declare(w3[i], Shape.of(hidden, dim), new Parameters.Init.Normal(std), true);
        }
        for (int i = 0; i < e; i++) {
            w2[i] = names.get(i) + ".w2";
            params.declare(w2[i], Shape.of(dim, hidden), new Parameters.Init.Normal(std), true);
        }
    }

    public Router router() {
        return router;
    }

    @Override
    public Var forward(ForwardPass pass, Var x) {
        Graph g = pass.graph();
        Routing r = router.route(new RouterInput(pass, x, pass.tokens()));
        if (pass.losses().recordsMetrics()) {
            RoutingStats.of(g.backend(), r, pass.tokens()).report(pass.losses(), name() + ".routing");
        }
        long n = x.value().dim(0);
        if (r.assignments() == 0) {
            return g.constant(g.arena().allocateZeroed(DType.F32, x.value().shape()));
        }
        Tensor off = r.offsets();
        long m = r.assignments(); // the experts take every gathered row between them
        Var xs = g.gatherRows(x, r.rows());
        Var h = g.swiglu(g.groupedLinear(xs, g.param(params.stack(w1)), off, m),
                g.groupedLinear(xs, g.param(params.stack(w3)), off, m));
        Var y = g.groupedLinear(h, g.param(params.stack(w2)), off, m);
        return g.scatterAddRows(y, r.rows(), r.gates(), n);
    }
}
