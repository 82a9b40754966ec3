package io.fusion4j.api.nn;

import io.fusion4j.api.autograd.Graph;
import io.fusion4j.api.autograd.Parameters;
import io.fusion4j.api.autograd.Var;
import io.fusion4j.api.backend.AttentionMask;
import io.fusion4j.api.data.Modality;
import io.fusion4j.api.router.RoutingMode;
import io.fusion4j.api.tensor.DType;
import io.fusion4j.api.tensor.Shape;
import io.fusion4j.api.tensor.Tensor;

/**
 * Decoder-only token model: {@link TokenEmbedding}, a {@link Trunk} of blocks, an {@link LmHead}. Parameter names
 * ({@code tok_embeddings}, {@code layers.i.*}, {@code norm}, {@code output}) are the checkpoint keys;
 * docs/model.md gives the exact math, shapes and the order of the parameters in the flat buffer. The feed-forward
 * and the block of every layer come from factories, so a mixture-of-experts or depth-routed variant is the same
 * class with other factories.
 */
public final class Decoder {
    private final DecoderConfig config;
    private final Parameters params = new Parameters();
    private final TokenEmbedding embedding;
    private final Trunk trunk;
    private final LmHead head;

    /** The dense decoder: SwiGLU in every feed-forward slot. */
    public Decoder(DecoderConfig config) {
        this(config, FeedForwardFactory.SWIGLU, BlockFactory.TRANSFORMER);
    }

    /** Declares the parameters: embedding, then each layer's feed-forward and block, then the head. */
    public Decoder(DecoderConfig config, FeedForwardFactory ffn, BlockFactory blocks) {
        this.config = config;
        this.embedding = new TokenEmbedding(params, config);
        this.trunk = new Trunk(params, config, ffn, blocks);
        this.head = new LmHead(params, config);
    }

    public DecoderConfig config() {
        return config;
    }

    public Parameters parameters() {
        return params;
    }

    public Trunk trunk() {
        return trunk;
    }

    /** The input layer, for models that embed some positions otherwise (Transfusion's image patches). */
    public TokenEmbedding embedding() {
        return embedding;
    }

    /** The output layer. */
    public LmHead head() {
        return head;
    }

    /** Logits {@code [B·T, vocab]} for the pass's tokens. */
    public Var logits(ForwardPass pass) {
        return head.forward(pass.graph(), trunk.forward(pass, embedding.forward(pass)));
    }

    /** Logits {@code [B*T, vocab]} for text-only I32 token ids {@code [B, T]} at I32 positions {@code [B, T]}. */
    public Var logits(Graph g, Tensor ids, Tensor positions, AttentionMask mask) {
        return logits(ForwardPass.of(g, TokenMeta.text(ids, positions, mask)));
    }

    /**
     * Logits {@code [1, vocab]} of one new text token at the next position, attending over the KV cache, which it
     * extends by that position. Generation calls this once per prompt token, then once per new token.
     */
    public Var decodeStep(Graph g, int token, KvCache cache) {
        return decodeStep(g, token, Modality.TEXT, cache);
    }

    /** As {@link #decodeStep(Graph, int, KvCache)} for a token of modality {@code modality}. */
    public Var decodeStep(Graph g, int token, Modality modality, KvCache cache) {
        return decodeStep(g, token, modality, cache, RoutingMode.BATCH);
    }

    /**
     * As {@link #decodeStep(Graph, int, Modality, KvCache)} with the routers deciding by {@code routing}: a model whose
     * routers rank tokens against each other decodes with {@link RoutingMode#causal causal} routing.
     */
    public Var decodeStep(Graph g, int token, Modality modality, KvCache cache, RoutingMode routing) {
        if (cache.position() >= cache.capacity()) {
            throw new IllegalStateException("KV cache is full (" + cache.capacity() + " positions)");
        }
        Tensor id = g.arena().allocate(DType.I32, Shape.of(1, 1));
        Tensor pos = g.arena().allocate(DType.I32, Shape.of(1, 1));
        g.backend().copyFromHost(new int[]{token}, id);
        g.backend().copyFromHost(new int[]{cache.position()}, pos);
        ForwardPass pass = ForwardPass.of(g, TokenMeta.uniform(id, pos, AttentionMask.causal(1, 1), modality))
                .withRouting(routing);
        Var x = trunk.decode(pass, embedding.forward(pass), cache);
        cache.advance();
        return head.forward(g, x);
    }

    /**
     * Runs {@code ids} (all of {@code modality}) at the cache's next positions in one pass, causal among themselves,
     * appending them to the cache, and returns the logits {@code [1, vocab]} of the last: what one decode step per
     * token would leave, in one forward (a long prompt before an image is denoised).
     */
    public Var prefill(Graph g, int[] ids, Modality modality, KvCache cache, RoutingMode routing) {
        int n = ids.length;
        if (n == 0 || cache.position() + n > cache.capacity()) {
            throw new IllegalArgumentException("prefill needs 1 to " + (cache.capacity() - cache.position())
                    + " tokens, found " + n);
        }
        Tensor id = g.arena().allocate(DType.I32, Shape.of(1, n));
        Tensor pos = g.arena().allocate(DType.I32, Shape.of(1, n));
        int[] p = new int[n];
        for (int i = 0; i < n; i++) {
            p[i] = cache.position() + i;
        }
        g.backend().copyFromHost(ids, id);
        g.backend().copyFromHost(p, pos);
        ForwardPass pass = ForwardPass.of(g, TokenMeta.uniform(id, pos, AttentionMask.causal(1, n), modality))
                .withRouting(routing);
        Var h = trunk.decode(pass, embedding.forward(pass), cache);
        cache.advance(n);
        Tensor last = g.arena().allocate(DType.I32, Shape.of(1));
        g.backend().copyFromHost(new int[]{n - 1}, last);
        return head.forward(g, g.gatherRows(h, last));
    }

    /**
     * The trunk's hidden states {@code [n, dim]} for {@code n} new positions whose inputs {@code x [n, dim]} the
     * caller embedded ({@code pass} describes them: one row of {@code n} positions from {@link KvCache#position()} on,
     * their modality); they attend to every cached position and to each other, and are appended to the cache. This is
     * how a bidirectional span (a Transfusion image) runs over a cached prefix: {@link KvCache#truncate} back to the
     * prefix and run the span again at the next denoising step.
     */
    public Var decodeSpan(ForwardPass pass, Var x, KvCache cache) {
        int n = (int) x.value().shape().dim(0);
        if (cache.position() + n > cache.capacity()) {
            throw new IllegalStateException("KV cache holds " + cache.capacity() + " positions; " + cache.position()
                    + " are used and the span needs " + n);
        }
        Var h = trunk.decode(pass, x, cache);
        cache.advance(n);
        return h;
    }

    /**
     * Mean next-token cross-entropy (plus z-loss) against I32 targets {@code [B, T]} (negative = ignored), with its
     * gradient; training goes through {@link io.fusion4j.api.train.NextTokenObjective} instead.
     */
    public double loss(Graph g, Tensor ids, Tensor positions, AttentionMask mask, Tensor targets) {
        return g.crossEntropy(logits(g, ids, positions, mask), targets.reshape(targets.numel()), config.zLoss());
    }
}
