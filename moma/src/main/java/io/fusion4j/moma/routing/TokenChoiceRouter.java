package io.fusion4j.moma.routing;

import io.fusion4j.api.autograd.Graph;
import io.fusion4j.api.autograd.LossValue;
import io.fusion4j.api.autograd.Var;
import io.fusion4j.api.nn.ForwardPass;
import io.fusion4j.api.nn.NamedComponent;
import io.fusion4j.api.router.Router;
import io.fusion4j.api.router.RouterInput;
import io.fusion4j.api.router.Routing;
import io.fusion4j.api.tensor.DType;
import io.fusion4j.api.tensor.Shape;
import io.fusion4j.api.tensor.Tensor;


/**
 * Token-choice routing (Switch / GShard style): {@code p = softmax(x·W)} over the experts, each row goes to its
 * {@code k} most probable experts, gated by their probabilities (not renormalised). With a capacity factor {@code c > 0}
 * an expert keeps at most {@code ceil(c·n·k/E)} rows, earlier rows first; the rest of its assignments are dropped and
 * counted. Two auxiliary loss terms, reported per router:
 * <ul>
 *   <li>{@code <prefix>.balance}: Switch's {@code E · Σ_e f_e · P_e}, {@code f_e} the share of assignments (before
 *       capacity) to expert e and {@code P_e} its mean probability; its gradient flows through {@code P}.</li>
 *   <li>{@code <prefix>.z}: the router z-loss {@code mean (log Σ_e exp z_e)²}.</li>
 * </ul>
 * Causal: a row's experts depend on that row alone (capacity aside, which only drops later rows).
 */
public final class TokenChoiceRouter extends NamedComponent implements Router {
    private final RouterScores scores;
    private final int experts;
    private final int k;
    private final double capacity;
    private final double balance;
    private final double zLoss;

    TokenChoiceRouter(RouterScores scores, int experts, int k, double capacity, double balance, double zLoss) {
        super(scores.name(), scores.name());
        this.scores = scores;
        this.experts = experts;
        this.k = k;
        this.capacity = capacity;
        this.balance = balance;
        this.zLoss = zLoss;
    }

    @Override
    public int experts() {
        return experts;
    }

    @Override
    public boolean causal() {
        return capacity <= 0;
    }

    /** Most rows an expert keeps out of {@code n}, or {@code n} without a capacity. */
    public static int limit(double c, int n, int k, int experts) {
        return c <= 0 ? n : (int) Math.min(n, Math.ceil(c * n * k / experts - 1e-9));
    }

    @Override
    public Routing route(RouterInput in) {
        Routing withoutPadding = PaddingFree.route(this, in);
        if (withoutPadding != null) {
            return withoutPadding;
        }
        ForwardPass pass = in.pass();
        Graph g = pass.graph();
        int n = Math.toIntExact(in.rows());
        if (n == 0) {
            int[] none = new int[experts];
            return new Routing(0, experts, g.arena().allocate(DType.I32, Shape.of(0)),
                    Routing.offsets(g.backend(), g.arena(), none), none, null, 0);
        }
        Var logits = scores.logits(g, in.hidden());
        Var probs = g.softmax(logits);
        Tensor top = g.arena().allocate(DType.F32, Shape.of(n, k));
        Tensor topIdx = g.arena().allocate(DType.I32, Shape.of(n, k));
        g.backend().topK(probs.value(), k, top, topIdx);
        int[] choice = new int[n * k];
        g.backend().copyToHost(topIdx, choice);

        // Bucket the assignments by expert, rows in order; an expert past its limit drops the rest.
        int limit = limit(capacity, n, k, experts);
        int[] wanted = new int[experts];
        for (int c : choice) {
            wanted[c]++;
        }
        int[] counts = new int[experts];
        for (int e = 0; e < experts; e++) {
            counts[e] = Math.min(wanted[e], limit);
        }
        int[] start = Routing.offsetsOf(counts);
        int m = start[experts];
        int[] rows = new int[m];
        int[] flat = new int[m];
        int[] fill = start.clone();
        long dropped = 0;
        for (int t = 0; t < n; t++) {
            for (int j = 0; j < k; j++) {
                int e = choice[t * k + j];
                if (fill[e] < start[e + 1]) {
                    rows[fill[e]] = t;
                    flat[fill[e]] = t * experts + e;
                    fill[e]++;
                } else {
                    dropped++;
                }
            }
        }
        Tensor offsets = Routing.offsets(g.backend(), g.arena(), counts);
        Tensor rowT = g.arena().allocate(DType.I32, Shape.of(m));
        Tensor flatT = g.arena().allocate(DType.I32, Shape.of(m));
        g.backend().copyFromHost(rows, rowT);
        g.backend().copyFromHost(flat, flatT);
        Var gates = g.reshape(g.gatherRows(g.reshape(probs, Shape.of((long) n * experts, 1)), flatT), Shape.of(m));

        auxiliaryLosses(pass, logits, probs, wanted, n);
        return new Routing(n, experts, rowT, offsets, counts, gates, dropped);
    }

    /** Balance and z-loss from host copies of the small {@code [n, E]} scores, their gradients seeded directly. */
    private void auxiliaryLosses(ForwardPass pass, Var logits, Var probs, int[] wanted, int n) {
        Graph g = pass.graph();
        boolean train = g.recordsGradients();
        float[] p = new float[n * experts];
        g.backend().copyToHost(probs.value(), p);
        if (balance > 0) {
            double[] f = new double[experts];
            for (int e = 0; e < experts; e++) {
                f[e] = wanted[e] / (double) ((long) n * k);
            }
            // Σ over rows of E·Σ_e f_e·p_te: n times the Switch loss, counted over n rows.
            double sum = 0;
            for (int t = 0; t < n; t++) {
                for (int e = 0; e < experts; e++) {
                    sum += experts * f[e] * p[t * experts + e];
                }
            }
            String term = name() + ".balance";
            if (train) {
                float s = pass.losses().gradScale(term, balance);
                float[] d = new float[n * experts];
                for (int t = 0; t < n; t++) {
                    for (int e = 0; e < experts; e++) {
                        d[t * experts + e] = (float) (s * experts * f[e]);
                    }
                }
                seed(g, probs, d);
            }
            pass.losses().loss(term, balance, new LossValue(sum, n));
        }
        if (zLoss > 0) {
            float[] z = new float[n * experts];
            g.backend().copyToHost(logits.value(), z);
            double sum = 0;
            float[] d = train ? new float[n * experts] : null;
            String term = name() + ".z";
            float s = train ? pass.losses().gradScale(term, zLoss) : 0f;
            for (int t = 0; t < n; t++) {
                double max = Double.NEGATIVE_INFINITY;
                for (int e = 0; e < experts; e++) {
                    max = Math.max(max, z[t * experts + e]);
                }
                double acc = 0;
                for (int e = 0; e < experts; e++) {
                    acc += Math.exp(z[t * experts + e] - max);
                }
                double lse = max + Math.log(acc);
                sum += lse * lse;
                if (d != null) {
                    for (int e = 0; e < experts; e++) {
                        // d(lse²)/dz_e = 2·lse·softmax_e
                        d[t * experts + e] = (float) (s * 2 * lse * Math.exp(z[t * experts + e] - lse));
                    }
                }
            }
            if (d != null) {
                seed(g, logits, d);
            }
            pass.losses().loss(term, zLoss, new LossValue(sum, n));
        }
    }

    private static void seed(Graph g, Var v, float[] d) {
        if (!v.requiresGrad()) {
            return;
        }
        Tensor t = g.arena().allocate(DType.F32, v.value().shape());
        g.backend().copyFromHost(d, t);
        g.seed(v, t);
    }
}
