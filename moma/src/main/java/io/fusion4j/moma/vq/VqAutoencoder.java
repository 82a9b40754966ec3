package io.fusion4j.moma.vq;

import io.fusion4j.api.autograd.Graph;
import io.fusion4j.api.autograd.Parameters;
import io.fusion4j.api.autograd.Var;
import io.fusion4j.api.backend.Backend;
import io.fusion4j.api.data.Image;
import io.fusion4j.api.tensor.DType;
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
    private final VqEncoder encoder;
    private final VectorQuantizer quantizer;
    private final VqDecoder decoder;
    private float[] pixels = new float[0];

    public VqAutoencoder(VqConfig config) {
        this.config = config;
        encoder = new VqEncoder(params, config);
        quantizer = new VectorQuantizer(params, config.codes(), config.codeDim(), config.emaDecay(),
                config.deadBelow());
        decoder = new VqDecoder(params, config);
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
        long b = latents.value().dim(0) / config.tokensPerImage();
        Var grid = g.reshape(latents, Shape.of(b, config.grid(), config.grid(), config.codeDim()));
        Var out = decoder.forward(g, grid);
        return g.reshape(out, Shape.of(out.value().numel() / config.channels(), config.channels()));
    }

    /**
     * {@code images} as one NHWC tensor {@code [B, side, side, channels]} in {@code arena}, through a host buffer kept
     * between calls.
     *
     * @throws IllegalArgumentException naming the first image whose geometry is not the config's
     */
    Tensor upload(Backend backend, StepArena arena, List<Image> images) {
        int c = config.channels();
        int s = config.side();
        int per = c * s * s;
        if (pixels.length != images.size() * per) {
            pixels = new float[images.size() * per];
        }
        for (int i = 0; i < images.size(); i++) {
            Image im = images.get(i);
            if (im.channels() != c || im.height() != s || im.width() != s) {
                throw new IllegalArgumentException("image " + i + " is " + im.channels() + "x" + im.height() + "x"
                        + im.width() + ", but this tokenizer takes " + c + "x" + s + "x" + s + " (channels x side x side)");
            }
            float[] p = im.pixels();
            int base = i * per;
            for (int ch = 0; ch < c; ch++) {
                for (int y = 0; y < s; y++) {
                    for (int x = 0; x < s; x++) {
                        pixels[base + (y * s + x) * c + ch] = p[(ch * s + y) * s + x];
                    }
                }
            }
        }
        Tensor t = arena.allocate(DType.F32, Shape.of(images.size(), s, s, c));
        backend.copyFromHost(pixels, t);
        return t;
    }
}
