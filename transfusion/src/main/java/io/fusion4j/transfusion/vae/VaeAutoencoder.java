package io.fusion4j.transfusion.vae;

import io.fusion4j.api.autograd.Graph;
import io.fusion4j.api.autograd.Parameters;
import io.fusion4j.api.autograd.Var;
import io.fusion4j.api.backend.Backend;
import io.fusion4j.api.data.Image;
import io.fusion4j.api.nn.ConvDecoder;
import io.fusion4j.api.nn.ConvEncoder;
import io.fusion4j.api.nn.NhwcImages;
import io.fusion4j.api.tensor.DType;
import io.fusion4j.api.tensor.Shape;
import io.fusion4j.api.tensor.StepArena;
import io.fusion4j.api.tensor.Tensor;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The patch VAE: the conv encoder (to {@code 2C} channels per latent pixel: C means, then C standard-deviation
 * logits) and the conv decoder over one {@link Parameters}, declared in that order (docs/model.md, "Patch VAE").
 * Training ({@link VaeObjective}) and the codec ({@link VaeImageTokenizer}) both run it.
 */
public final class VaeAutoencoder {
    private final VaeConfig config;
    private final Parameters params = new Parameters();
    private final ConvEncoder encoder;
    private final ConvDecoder decoder;
    private final NhwcImages nhwc;
    /** Per latent row count: the gather maps that split encoder rows into means and logits (built once). */
    private final Map<Long, Tensor[]> splits = new HashMap<>();

    public VaeAutoencoder(VaeConfig config) {
        this.config = config;
        int c = config.latentChannels();
        encoder = new ConvEncoder(params, config.channels(), config.widths(), 2 * c, config.normEps());
        decoder = new ConvDecoder(params, c, config.widths(), config.channels(), config.normEps());
        nhwc = new NhwcImages(config.channels(), config.side());
    }

    public VaeConfig config() {
        return config;
    }

    public Parameters parameters() {
        return params;
    }

    public VaeAutoencoder allocate(Backend backend, long seed) {
        params.allocate(backend, seed);
        return this;
    }

    /** The posterior of each latent pixel: means and standard-deviation logits, rows {@code [B·grid², C]}. */
    record Posterior(Var mean, Var logit) {
    }

    /** The encoder's posterior of {@code images} ({@code [B, side, side, channels]}), raster order per image. */
    Posterior encode(Graph g, Tensor images) {
        return posterior(g, encoder.forward(g, g.constant(images)));
    }

    /** The encoder's output {@code [B, grid, grid, 2C]} split into means and logits. */
    Posterior posterior(Graph g, Var out) {
        int c = config.latentChannels();
        long rows = out.value().numel() / (2L * c);
        // Each pixel's 2C outputs as two rows of C: row 2r holds the means of pixel r, row 2r + 1 its logits.
        Var halves = g.reshape(out, Shape.of(2 * rows, c));
        Tensor[] idx = splits.computeIfAbsent(rows, r -> splitMaps(g.backend(), r));
        return new Posterior(g.gatherRows(halves, idx[0]), g.gatherRows(halves, idx[1]));
    }

    /** The decoder's image rows {@code [B·side², channels]} (NHWC, unclamped) from latent rows {@code [B·grid², C]}. */
    Var decode(Graph g, Var latents) {
        return decoder.forwardRows(g, latents, config.grid());
    }

    Tensor upload(Backend backend, StepArena arena, List<Image> images) {
        return nhwc.upload(backend, arena, images);
    }

    List<Image> download(Backend backend, Tensor rows, int n) {
        return nhwc.download(backend, rows, n);
    }

    private static Tensor[] splitMaps(Backend backend, long rows) {
        if (2 * rows > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("vae: " + rows + " latent rows exceed the 2^30 a split map can name");
        }
        int[] even = new int[(int) rows];
        int[] odd = new int[(int) rows];
        for (int r = 0; r < rows; r++) {
            even[r] = 2 * r;
            odd[r] = 2 * r + 1;
        }
        Tensor[] t = {backend.allocate(DType.I32, Shape.of(rows)), backend.allocate(DType.I32, Shape.of(rows))};
        backend.copyFromHost(even, t[0]);
        backend.copyFromHost(odd, t[1]);
        return t;
    }
}
