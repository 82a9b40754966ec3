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

/**
 * Mixture-of-depths around a block ("staged MoDE", moma.md §2.1): a router with one expert picks, per sequence, the
 * tokens that go through the inner block; those keep their RoPE positions and see each other under the original mask
 * restricted to them ({@link TokenMeta#select}); the block's delta is scaled by the router's gate and added back,
 * {@code out = x + gate ⊙ (block(x_sel) − x_sel)}; every other token passes unchanged. Inside the block, a mixture of
 * experts routes only the chosen tokens, so its capacity follows them.
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
            RoutingStats.of(g.backend(), r, ExpertFeedForward.validRows(pass)).report(pass.losses(), name() + ".depth");
        }
        int b = tokens.batch();
        int t = tokens.length();
        int m = Math.toIntExact(r.assignments());
        if (m % b != 0) {
            throw new io.fusion4j.api.UserInputException("depth router '" + router.name() + "' chose " + m + " tokens for "
                    + b + " sequences; a depth router must choose the same number in each (use router 'depth')");
        }
        int k = m / b;
        int[] rows = new int[m];
        g.backend().copyToHost(r.rows(), rows);
        int[] chosen = new int[m];
        for (int i = 0; i < m; i++) {
            int seq = i / k;
            chosen[i] = rows[i] - seq * t;
            if (chosen[i] < 0 || chosen[i] >= t || (i % k > 0 && chosen[i] <= chosen[i - 1])) {
                throw new io.fusion4j.api.UserInputException("depth router '" + router.name() + "' must choose, for each"
                        + " sequence in order, ascending positions of that sequence (use router 'depth'); found row "
                        + rows[i] + " at " + i);
            }
        }
        TokenMeta sub = tokens.select(g.backend(), g.arena(), chosen, k);
        Var xs = g.gatherRows(x, r.rows());
        Var ys = inner.forward(pass.withTokens(sub), xs);
        Var delta = g.add(ys, g.scale(xs, -1f));
        return g.add(x, g.scatterAddRows(delta, r.rows(), r.gates(), x.value().dim(0)));
    }

    /**
     * Depth routing compares a token with the whole sequence, including tokens not generated yet: one-token decoding
     * needs the causal auxiliary routers of MoMa §3.2.
     */
    @Override
    public Var decode(ForwardPass pass, Var x, KvCache cache, int layer) {
        throw new UnsupportedOperationException("layer " + layer + " is mixture-of-depths: its router ranks a token"
                + " against later ones, so it cannot decode one token at a time without causal auxiliary routers");
    }
}
