package io.fusion4j.moma.vq;

import io.fusion4j.api.autograd.Graph;
import io.fusion4j.api.autograd.Parameters;
import io.fusion4j.api.autograd.Var;
import io.fusion4j.api.backend.Backend;
import io.fusion4j.api.data.Image;
import io.fusion4j.api.nn.ConvDecoder;
import io.fusion4j.api.nn.ConvEncoder;
import io.fusion4j.api.nn.NhwcImages;
import io.fusion4j.api.tensor.Shape;
import io.fusion4j.api.tensor.StepArena;
import io.fusion4j.api.tensor.Tensor;

import java.util.List;

/**
 * The VQ autoencoder: encoder, quantizer and decoder over one {@link Parameters}, declared in that order (the names
 * and order of docs/model.md). Training ({@link VqObjective}) and tokenizing ({@link VqImageTokenizer}) both run it.
 */
public final class VqAutoencoder {
    private final VqConfig config;
    private final Parameters params = new Parameters();
    private final ConvEncoder encoder;
    private final VectorQuantizer quantizer;
    private final ConvDecoder decoder;
    private final NhwcImages nhwc;

    public VqAutoencoder(VqConfig config) {
        this.config = config;
        encoder = new ConvEncoder(params, config.channels(), config.widths(), config.codeDim(), config.normEps());
        quantizer = new VectorQuantizer(params, config.codes(), config.codeDim(), config.emaDecay(),
                config.deadBelow());
        decoder = new ConvDecoder(params, config.codeDim(), config.widths(), config.channels(), config.normEps());
        nhwc = new NhwcImages(config.channels(), config.side());
    }

    public VqConfig config() {
        return config;
    }

    public Parameters parameters() {
        return params;
    }

    public VectorQuantizer quantizer() {
        return quantizer;
    }

    /** Allocates the parameters from {@code seed} and freezes the quantizer's, which the EMA updates, not AdamW. */
    public VqAutoencoder allocate(Backend backend, long seed) {
        params.allocate(backend, seed);
        params.freeze(n -> n.startsWith("quantizer."));
        return this;
    }

    /** Encoder outputs as latent rows {@code [B·grid², codeDim]}, raster order within each image. */
    Var encode(Graph g, Tensor images) {
        Var z = encoder.forward(g, g.constant(images));
        return g.reshape(z, Shape.of(z.value().numel() / config.codeDim(), config.codeDim()));
    }

    /** The decoder's image rows {@code [B·side², channels]} (NHWC, unclamped) from latent rows {@code [B·grid², D]}. */
    Var decode(Graph g, Var latents) {
        return decoder.forwardRows(g, latents, config.grid());
    }

    /** {@code images} as one NHWC tensor {@code [B, side, side, channels]} in {@code arena} ({@link NhwcImages}). */
    Tensor upload(Backend backend, StepArena arena, List<Image> images) {
        return nhwc.upload(backend, arena, images);
    }

    /** Decoder rows to images clamped to {@code [0, 1]}. */
    List<Image> download(Backend backend, Tensor rows, int n) {
        return nhwc.download(backend, rows, n);
    }
}
