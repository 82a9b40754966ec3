package io.fusion4j.transfusion;

import io.fusion4j.api.autograd.Graph;
import io.fusion4j.api.autograd.Var;
import io.fusion4j.api.data.Modality;
import io.fusion4j.api.nn.Decoder;
import io.fusion4j.api.nn.DecoderConfig;
import io.fusion4j.api.nn.ForwardPass;
import io.fusion4j.api.nn.KvCache;
import io.fusion4j.api.nn.TokenMeta;
import io.fusion4j.api.router.Routers;
import io.fusion4j.api.tensor.DType;
import io.fusion4j.api.tensor.Shape;
import io.fusion4j.api.tensor.Tensor;
import io.fusion4j.moma.MomaModel;

/**
 * The Transfusion network (docs/model.md): the trunk's token embedding on text positions, the patch encoder plus the
 * image's timestep embedding on image positions, the trunk's blocks over the whole sequence (the mask is causal and
 * bidirectional inside each image), the LM head for text and the patch decoder's noise prediction for images, read
 * from the same positions as the input patches. Its parameters are the trunk decoder's plus the patch codec's
 * ({@code patch_in} and {@code patch_out.*} for {@link LinearPatches}, {@code unet.*} for {@link UnetPatches}, as the
 * config's {@code encoder} says) and {@code time.*}, declared in the decoder's
 * {@link io.fusion4j.api.autograd.Parameters}.
 */
public final class TransfusionModel {
    private final TransfusionConfig config;
    private final Decoder decoder;
    private final PatchCodec patches;
    private final TimestepEmbedding time;

    private TransfusionModel(TransfusionConfig config, Decoder decoder) {
        this.config = config;
        this.decoder = decoder;
        DecoderConfig b = config.trunk().base();
        this.patches = config.encoder().equals(PatchCodec.UNET)
                ? new UnetPatches(decoder.parameters(), config.patchSize(), config.patchWidth(), config.unetChannels(),
                        b.dim(), b.normEps())
                : new LinearPatches(decoder.parameters(), config.patchWidth(), b.dim(), b.normEps(), b.initStd());
        this.time = new TimestepEmbedding(decoder.parameters(), "time", config.timeFeatures(), b.dim(), b.initStd());
    }

    public static TransfusionModel build(TransfusionConfig c, Routers routers) {
        return new TransfusionModel(c, MomaModel.build(c.trunk(), routers));
    }

    public TransfusionConfig config() {
        return config;
    }

    /** The trunk with all parameters (the patch and time modules' too). */
    public Decoder decoder() {
        return decoder;
    }

    /** What one forward gives: text logits over every row, and the noise prediction at the image rows. */
    public record Outputs(Var logits, Var noise) {
    }

    /**
     * The forward pass of a batch whose image positions hold {@code noised} patches {@code [P, width]} (rows in the
     * order of {@code pass.tokens().rowsOf(IMAGE)}), patch {@code p} belonging to the image of timestep
     * {@code timesteps[imageOf[p]]}. With no image positions, {@code noise} is null.
     */
    public Outputs forward(ForwardPass pass, Var noised, int[] timesteps, Tensor imageOf) {
        Graph g = pass.graph();
        PatchCodec.Encoded[] encoded = new PatchCodec.Encoded[1];
        Var x = embed(pass, noised, timesteps, imageOf, encoded);
        Var h = decoder.trunk().forward(pass, x);
        Var logits = decoder.head().forward(g, h);
        int images = pass.tokens().countOf(Modality.IMAGE);
        Var noise = images == 0 ? null
                : patches.decode(g, g.gatherRows(h, pass.tokens().rowsOf(Modality.IMAGE)), encoded[0]);
        return new Outputs(logits, noise);
    }

    /**
     * The trunk's input {@code [B·T, dim]}: the token embedding on text rows (the embedding of the placeholder id is
     * zeroed on image rows) plus, scattered to the image rows, the encoded patches with their image's timestep
     * embedding. The encoder's state for decoding (the U-Net's skips) goes to {@code encoded[0]}; patch rows must come
     * image after image, as {@code imageOf} numbers them.
     */
    Var embed(ForwardPass pass, Var noised, int[] timesteps, Tensor imageOf, PatchCodec.Encoded[] encoded) {
        Graph g = pass.graph();
        var tokens = pass.tokens();
        long rows = (long) tokens.batch() * tokens.length();
        Var text = decoder.embedding().forward(pass);
        int n = tokens.countOf(Modality.IMAGE);
        if (n == 0) {
            return text;
        }
        Tensor image = tokens.rowsOf(Modality.IMAGE);
        // keep = 1 − (1 at image rows): built on the backend from the image row indices.
        Tensor ones = g.arena().allocate(DType.F32, Shape.of(rows, 1));
        g.backend().fill(ones, 1f);
        Tensor marks = g.arena().allocate(DType.F32, Shape.of(rows, 1));
        g.backend().fill(marks, 0f);
        g.backend().scatterAddRows(ones.slice(0, n), image, null, marks);
        Tensor keep = g.arena().allocate(DType.F32, Shape.of(rows, 1));
        g.backend().axpby(-1f, marks, 1f, ones, keep);
        Var t = time.forward(g, timesteps);
        encoded[0] = patches.encode(g, noised, t);
        Var p = g.add(encoded[0].rows(), g.gatherRows(t, imageOf));
        return g.add(g.mulRows(text, g.constant(keep.reshape(rows))), g.scatterAddRows(p, image, null, rows));
    }

    /**
     * The noise prediction {@code [n, width]} for one image's noised patches {@code [n, width]} at timestep {@code t},
     * run as a span over {@code cache} (which holds the prefix): the patches see the whole prefix and each other, and
     * are appended to the cache; truncate it back to the prefix before the next step.
     */
    public Var spanNoise(Graph g, Tensor noised, int t, KvCache cache) {
        int n = (int) noised.shape().dim(0);
        Tensor ids = g.arena().allocate(DType.I32, Shape.of(1, n));
        g.backend().copyFromHost(new int[n], ids); // placeholder ids: image rows are embedded from their patches
        Tensor pos = g.arena().allocate(DType.I32, Shape.of(1, n));
        int[] p = new int[n];
        for (int i = 0; i < n; i++) {
            p[i] = cache.position() + i;
        }
        g.backend().copyFromHost(p, pos);
        ForwardPass pass = ForwardPass.of(g, TokenMeta.uniform(ids, pos,
                io.fusion4j.api.backend.AttentionMask.bidirectional(1, n), Modality.IMAGE));
        Tensor owner = g.arena().allocate(DType.I32, Shape.of(n));
        g.backend().copyFromHost(new int[n], owner);
        Var time = this.time.forward(g, new int[]{t});
        PatchCodec.Encoded encoded = patches.encode(g, g.constant(noised), time);
        Var x = g.add(encoded.rows(), g.gatherRows(time, owner));
        return patches.decode(g, decoder.decodeSpan(pass, x, cache), encoded);
    }
}
