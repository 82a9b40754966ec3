package io.fusion4j.moma.routing;

import io.fusion4j.api.autograd.Graph;
import io.fusion4j.api.autograd.Var;
import io.fusion4j.api.nn.NamedComponent;
import io.fusion4j.api.router.Router;
import io.fusion4j.api.router.RouterInput;
import io.fusion4j.api.router.Routing;
import io.fusion4j.api.router.RoutingMode;
import io.fusion4j.api.tensor.DType;
import io.fusion4j.api.tensor.Shape;
import io.fusion4j.api.tensor.Tensor;

import java.util.Arrays;

/**
 * Expert-choice routing (Zhou et al. 2022; MoMa §1.2): scores {@code s = sigmoid(x·W)} (or softmax over the experts),
 * and each expert takes the {@code k = clamp(ceil(c·n/E), 1, n)} rows of the routing group with its highest scores
 * (ties to the lower row), gated by its score. Balanced by construction, so there is no auxiliary loss; a row may be
 * taken by no expert or by several. Not causal: a row's routing depends on every row of the group. Under causal
 * routing ({@link io.fusion4j.api.router.RoutingMode#causal}) an auxiliary predictor decides membership instead and
 * the score still gives the gate; a {@link io.fusion4j.api.router.RoutingTap} sees each batch decision.
 */
public final class ExpertChoiceRouter extends NamedComponent implements Router {
    /** How a token's logits become scores. */
    public enum Scores { SIGMOID, SOFTMAX }

    private final RouterScores scores;
    private final int experts;
    private final double capacity;
    private final Scores kind;
    private final boolean noise;

    ExpertChoiceRouter(RouterScores scores, int experts, double capacity, Scores kind, boolean noise) {
        super(scores.name(), scores.name());
        if (!(capacity > 0)) {
            throw new IllegalArgumentException("expert-choice capacity must be > 0, found " + capacity);
        }
        this.scores = scores;
        this.experts = experts;
        this.capacity = capacity;
        this.kind = kind;
        this.noise = noise;
    }

    /** Rows each expert takes from a group of {@code n}: {@code clamp(ceil(c·n/E), 1, n)}, 0 for an empty group. */
    public static int capacity(double c, int n, int experts) {
        if (n == 0) {
            return 0;
        }
        // The epsilon keeps c·n/E that is an integer in exact arithmetic from rounding up through float error.
        long k = (long) Math.ceil(c * n / experts - 1e-9);
        return (int) Math.max(1, Math.min(n, k));
    }

    @Override
    public int experts() {
        return experts;
    }

    @Override
    public boolean causal() {
        return false;
    }

    @Override
    public Routing route(RouterInput in) {
        Routing withoutPadding = PaddingFree.route(this, in);
        if (withoutPadding != null) {
            return withoutPadding;
        }
        Graph g = in.pass().graph();
        RoutingMode mode = in.pass().routing();
        if (mode.isCausal()) {
            // Inference: no noise, and no capacity (the predictor may admit a row to any number of experts).
            Var s = score(g, scores.logits(g, in.hidden()));
            return CausalMembership.route(g, mode.causal(), name(), in.hidden(), s, experts, null);
        }
        Routing r = batchRoute(in, g);
        if (mode.tap() != null) {
            mode.tap().routed(name(), in.hidden(), r, null);
        }
        return r;
    }

    private Var score(Graph g, Var logits) {
        return kind == Scores.SIGMOID ? g.sigmoid(logits) : g.softmax(logits);
    }

    private Routing batchRoute(RouterInput in, Graph g) {
        int n = Math.toIntExact(in.rows());
        int k = capacity(capacity, n, experts);
        int[] counts = new int[experts];
        Arrays.fill(counts, k);
        Tensor offsets = Routing.offsets(g.backend(), g.arena(), counts);
        Tensor rows = g.arena().allocate(DType.I32, Shape.of((long) experts * k));
        if (k == 0) {
            return new Routing(n, experts, rows, offsets, counts, null, 0);
        }
        Var logits = scores.logits(g, in.hidden());
        if (noise) {
            logits = scores.withLogisticNoise(in.pass(), logits);
        }
        Var s = score(g, logits);
        // Experts choose among tokens: top-k along each expert's row of the transposed scores.
        Var gates = g.topK(g.transpose(s), k, rows.reshape(experts, k));
        return new Routing(n, experts, rows, offsets, counts, g.reshape(gates, Shape.of((long) experts * k)), 0);
    }
}
