package io.fusion4j.moma;

import io.fusion4j.api.autograd.Graph;
import io.fusion4j.api.autograd.Var;
import io.fusion4j.api.nn.Block;
import io.fusion4j.api.nn.ForwardPass;
import io.fusion4j.api.nn.KvCache;
import io.fusion4j.api.nn.NamedComponent;
import io.fusion4j.api.nn.TokenMeta;
import io.fusion4j.api.router.Router;
import io.fusion4j.api.router.RouterInput;
import io.fusion4j.api.router.Routing;
import io.fusion4j.api.router.RoutingStats;
import io.fusion4j.api.tensor.DType;
import io.fusion4j.api.tensor.Shape;
import io.fusion4j.api.tensor.Tensor;

/**
 * Mixture-of-depths around a block ("staged MoDE", moma.md §2.1): a router with one expert picks, per sequence, the
 * tokens that go through the inner block; those keep their RoPE positions and see each other under the original mask
 * restricted to them ({@link TokenMeta#select}); the block's delta is scaled by the router's gate and added back,
 * {@code out = x + gate ⊙ (block(x_sel) − x_sel)}; every other token passes unchanged. Inside the block, a mixture of
 * experts routes only the chosen tokens, so its capacity follows them.
 *
 * <p>Under causal routing sequences may keep different numbers of tokens: the shorter ones are filled to the longest
 * with filler the inner block treats as padding, so a skipped token is never attended to, exactly as in one-token
 * decoding, where a skipped token leaves the layer's KV cache untouched.
 */
public final class DepthRoutedBlock extends NamedComponent implements Block {
    private final Block inner;
    private final Router router;

    public DepthRoutedBlock(String prefix, Block inner, Router router) {
        super(prefix);
        if (router.experts() != 1) {
            throw new IllegalArgumentException("a depth-routed block needs a router of one expert, found "
                    + router.name() + " with " + router.experts());
        }
        this.inner = inner;
        this.router = router;
    }

    public Block inner() {
        return inner;
    }

    public Router router() {
        return router;
    }

    @Override
    public Var forward(ForwardPass pass, Var x) {
        Graph g = pass.graph();
        TokenMeta tokens = pass.tokens();
        Routing r = router.route(new RouterInput(pass, x, tokens));
        if (pass.losses().recordsMetrics()) {
            RoutingStats.of(g.backend(), r, tokens).report(pass.losses(), name() + ".depth");
        }
        int b = tokens.batch();
        int t = tokens.length();
        int m = Math.toIntExact(r.assignments());
        if (m == 0) {
            return x; // no token of any sequence goes through the block
        }
        int[] rows = new int[m];
        g.backend().copyToHost(r.rows(), rows);
        int[] kept = new int[b];
        for (int i = 0; i < m; i++) {
            int seq = rows[i] / t;
            boolean ordered = rows[i] >= 0 && seq < b && (i == 0 || rows[i] > rows[i - 1]);
            if (!ordered) {
                throw new io.fusion4j.api.UserInputException("depth router '" + router.name() + "' must choose, for each"
                        + " sequence in order, ascending positions of that sequence (use router 'depth'); found row "
                        + rows[i] + " at " + i);
            }
            kept[seq]++;
        }
        int k = 0;
        boolean ragged = false;
        for (int s = 0; s < b; s++) {
            k = Math.max(k, kept[s]);
            ragged |= kept[s] != kept[0];
        }
        // Entry s·k + j of the sub-pass is sequence s's j-th chosen token; filler (ragged only) names position 0.
        int[] chosen = new int[b * k];
        int[] subRows = new int[b * k];
        for (int i = 0; i < b * k; i++) {
            subRows[i] = (i / k) * t;
        }
        int[] realAt = ragged ? new int[m] : null;
        int[] filled = new int[b];
        for (int i = 0; i < m; i++) {
            int s = rows[i] / t;
            int at = s * k + filled[s]++;
            chosen[at] = rows[i] - s * t;
            subRows[at] = rows[i];
            if (ragged) {
                realAt[i] = at;
            }
        }
        TokenMeta sub = tokens.select(g.backend(), g.arena(), chosen, k, ragged ? kept : null);
        Var xs = ragged ? g.gatherRows(x, upload(g, subRows)) : g.gatherRows(x, r.rows());
        Var ys = inner.forward(pass.withTokens(sub), xs);
        Var delta = g.add(ys, g.scale(xs, -1f));
        if (ragged) {
            delta = g.gatherRows(delta, upload(g, realAt)); // the filler's rows go nowhere
        }
        return g.add(x, g.scatterAddRows(delta, r.rows(), r.gates(), x.value().dim(0)));
    }

    private static Tensor upload(Graph g, int[] v) {
        Tensor t = g.arena().allocate(DType.I32, Shape.of(v.length));
        g.backend().copyFromHost(v, t);
        return t;
    }

    /**
     * One new token through the layer under causal routing: through the inner block (which stores its keys and values
     * in this layer's cache) when the router's predictor chooses it, else unchanged and uncached, as in the full
     * forward. Batch depth routing ranks a token against later ones and cannot decode.
     */
    @Override
    public Var decode(ForwardPass pass, Var x, KvCache cache, int layer) {
        if (!pass.routing().isCausal()) {
            throw new UnsupportedOperationException("layer " + layer + " is mixture-of-depths: its router ranks a token"
                    + " against later ones, so it decodes one token at a time only with causal routing (auxiliary"
                    + " routers, RoutingMode.causal)");
        }
        Graph g = pass.graph();
        Routing r = router.route(new RouterInput(pass, x, pass.tokens()));
        if (r.assignments() == 0) {
            return x;
        }
        Var xs = g.gatherRows(x, r.rows());
        Var delta = g.add(inner.decode(pass, xs, cache, layer), g.scale(xs, -1f));
        return g.add(x, g.scatterAddRows(delta, r.rows(), r.gates(), x.value().dim(0)));
    }
}
