package io.fusion4j.moma.routing;

import io.fusion4j.api.autograd.Graph;
import io.fusion4j.api.autograd.Var;
import io.fusion4j.api.nn.NamedComponent;
import io.fusion4j.api.nn.TokenMeta;
import io.fusion4j.api.router.Router;
import io.fusion4j.api.router.RouterInput;
import io.fusion4j.api.router.Routing;
import io.fusion4j.api.router.RoutingMode;
import io.fusion4j.api.tensor.DType;
import io.fusion4j.api.tensor.Shape;
import io.fusion4j.api.tensor.Tensor;


/**
 * Mixture-of-depths routing (Raposo et al. 2024, as MoMa uses it, moma.md §2 and §10.9): one scalar logit per token
 * {@code r = x·w}; in each sequence the {@code k = clamp(floor(c·T), 1, T)} tokens with the highest logits go through
 * the block ("expert" 0), gated by {@code sigmoid(r)}, the rest skip it. Padding is chosen last, and only when a
 * sequence has fewer than k valid tokens (static shapes); its gate is 0, so it leaves the block unchanged. The chosen rows come
 * sorted by position inside each sequence, sequence after sequence, so the block sees them in causal order. Under
 * causal routing an auxiliary predictor chooses instead (any number of valid tokens per sequence), with the same gate.
 * With {@link io.fusion4j.api.router.RoutingMode#flips() flips} a random fraction of the valid tokens' decisions is
 * turned over after the top-k (the routing-error sweep), so sequences may keep different numbers of tokens.
 */
public final class DepthRouter extends NamedComponent implements Router {
    private final RouterScores scores;
    private final double capacity;

    DepthRouter(RouterScores scores, double capacity) {
        super(scores.name(), scores.name());
        this.scores = scores;
        this.capacity = capacity;
    }

    /** Tokens kept per sequence of {@code length}. */
    public static int keep(double capacity, int length) {
        return length == 0 ? 0 : (int) Math.max(1, Math.min(length, Math.floor(capacity * length + 1e-9)));
    }

    public double capacity() {
        return capacity;
    }

    @Override
    public int experts() {
        return 1;
    }

    @Override
    public boolean causal() {
        return false;
    }

    @Override
    public Routing route(RouterInput in) {
        TokenMeta tokens = in.tokens();
        if (tokens == null) {
            throw new IllegalStateException("router '" + name() + "' (depth) picks tokens per sequence and needs their"
                    + " layout; it cannot be a sub-router");
        }
        Graph g = in.pass().graph();
        RoutingMode mode = in.pass().routing();
        if (mode.isCausal()) {
            Var logits = scores.logits(g, in.hidden());
            return CausalMembership.route(g, mode.causal(), name(), in.hidden(), g.sigmoid(logits), 1,
                    tokens.hostValid(g.backend()));
        }
        Routing r = batchRoute(in, tokens, g);
        if (mode.tap() != null) {
            mode.tap().routed(name(), in.hidden(), r, tokens.hostValid(g.backend()));
        }
        return r;
    }

    private Routing batchRoute(RouterInput in, TokenMeta tokens, Graph g) {
        int b = tokens.batch();
        int t = tokens.length();
        int k = keep(capacity, t);
        Var logits = scores.logits(g, in.hidden()); // [B·T, 1]
        float[] z = new float[b * t];
        g.backend().copyToHost(logits.value(), z);
        boolean[] valid = tokens.hostValid(g.backend());
        int[] rows = new int[b * k];
        long[] keys = new long[t];
        for (int r = 0; r < b; r++) {
            for (int i = 0; i < t; i++) {
                int p = r * t + i;
                float v = z[p];
                if (v != v) {
                    throw new IllegalStateException("router " + name() + ": NaN logit at row " + r + ", position " + i);
                }
                int bits = Float.floatToIntBits(v == 0f ? 0f : v);
                int ascending = bits ^ ((bits >> 31) & 0x7fffffff);
                // Sort key: logit descending (the high word falls as v rises), ties to the lower position; padding
                // gets a high word above any finite or infinite logit's, so it is chosen last.
                int high = valid[p] ? ~ascending : Integer.MAX_VALUE;
                keys[i] = ((long) high << 32) | i;
            }
            java.util.Arrays.sort(keys, 0, t);
            int[] chosen = new int[k];
            for (int j = 0; j < k; j++) {
                chosen[j] = (int) (keys[j] & 0xffffffffL);
            }
            java.util.Arrays.sort(chosen);
            for (int j = 0; j < k; j++) {
                rows[r * k + j] = r * t + chosen[j];
            }
        }
        if (in.pass().routing().flips() != null) {
            rows = flip(rows, b * t, valid, in.pass().routing().flips());
        }
        int m = rows.length;
        if (m == 0) {
            // Every decision flipped off (only with flips): no token goes through, as causal routing may decide.
            Tensor none = g.arena().allocate(DType.I32, Shape.of(0));
            return new Routing((long) b * t, 1, none, Routing.offsets(g.backend(), g.arena(), new int[]{0}),
                    new int[]{0}, null, 0);
        }
        Tensor rowT = g.arena().allocate(DType.I32, Shape.of(m));
        g.backend().copyFromHost(rows, rowT);
        Tensor offsets = g.arena().allocate(DType.I32, Shape.of(2));
        g.backend().copyFromHost(new int[]{0, m}, offsets);
        Var gates = g.reshape(g.sigmoid(g.gatherRows(logits, rowT)), Shape.of(m));
        boolean padded = false;
        float[] keep = new float[m];
        for (int i = 0; i < m; i++) {
            keep[i] = valid[rows[i]] ? 1f : 0f;
            padded |= !valid[rows[i]];
        }
        if (padded) {
            // A sequence shorter than k fills its quota with padding: gate 0 leaves those rows as they were.
            Tensor mask = g.arena().allocate(DType.F32, Shape.of(m));
            g.backend().copyFromHost(keep, mask);
            gates = g.mul(gates, g.constant(mask));
        }
        return new Routing((long) b * t, 1, rowT, offsets, new int[]{m}, gates, 0);
    }

    /** The chosen rows after {@code flips} turned some decisions over, still ascending (sequences may now differ). */
    private static int[] flip(int[] rows, int n, boolean[] valid, io.fusion4j.api.router.DecisionFlips flips) {
        boolean[] chosen = new boolean[n];
        for (int r : rows) {
            chosen[r] = true;
        }
        flips.apply(chosen, valid);
        int m = 0;
        for (boolean c : chosen) {
            m += c ? 1 : 0;
        }
        int[] out = new int[m];
        int q = 0;
        for (int i = 0; i < n; i++) {
            if (chosen[i]) {
                out[q++] = i;
            }
        }
        return out;
    }
}
