package io.fusion4j.moma.vq;

import io.fusion4j.api.autograd.Graph;
import io.fusion4j.api.autograd.Var;
import io.fusion4j.api.backend.Backend;
import io.fusion4j.api.data.DiscreteImageCodec;
import io.fusion4j.api.data.Image;
import io.fusion4j.api.data.ImageTokens;
import io.fusion4j.api.tensor.DType;
import io.fusion4j.api.tensor.Shape;
import io.fusion4j.api.tensor.StepArena;
import io.fusion4j.api.tensor.Tensor;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A trained VQ tokenizer as a {@link DiscreteImageCodec}: an image to {@code grid²} codes in raster order (the
 * nearest code of each encoder output, ties to the lower code: deterministic), codes back to an image clamped to
 * {@code [0, 1]}. {@link #encodeAll} and {@link #decodeAll} run many images per forward pass (the data builder
 * tokenizes thousands). Runs on the backend it was loaded on; not thread-safe.
 */
public final class VqImageTokenizer implements DiscreteImageCodec {
    /** Images per forward pass: large enough for efficient GEMMs, small enough to keep the arena modest. */
    static final int CHUNK = 64;
    private final VqAutoencoder model;
    private final Backend backend;

    /** @param model allocated (and trained or loaded) on {@code backend} */
    public VqImageTokenizer(VqAutoencoder model, Backend backend) {
        if (model.parameters().values() == null) {
            throw new IllegalArgumentException("VqImageTokenizer: allocate or load the model's parameters first");
        }
        this.model = model;
        this.backend = backend;
    }

    /** Reads {@code dir/tokenizer.json} and {@code dir/tokenizer.safetensors} onto {@code backend}. */
    public static VqImageTokenizer load(Path dir, Backend backend) throws IOException {
        return new VqImageTokenizer(VqTokenizerFiles.read(dir, backend), backend);
    }

    /** Writes {@code dir/tokenizer.json} and {@code dir/tokenizer.safetensors}, each atomically. */
    public void save(Path dir) throws IOException {
        VqTokenizerFiles.write(dir, model, backend);
    }

    public VqConfig config() {
        return model.config();
    }

    @Override
    public int codebookSize() {
        return model.config().codes();
    }

    @Override
    public int tokensPerImage() {
        return model.config().tokensPerImage();
    }

    @Override
    public int channels() {
        return model.config().channels();
    }

    @Override
    public int side() {
        return model.config().side();
    }

    @Override
    public ImageTokens.Discrete encode(Image image) {
        return new ImageTokens.Discrete(encodeAll(List.of(image))[0]);
    }

    /** The codes of each image, in order. */
    public int[][] encodeAll(List<Image> images) {
        int t = tokensPerImage();
        int[][] out = new int[images.size()][];
        try (StepArena arena = backend.newArena()) {
            for (int start = 0; start < images.size(); start += CHUNK) {
                List<Image> chunk = images.subList(start, Math.min(images.size(), start + CHUNK));
                Graph g = new Graph(backend, arena, false);
                Var z = model.encode(g, model.upload(backend, arena, chunk));
                Tensor codes = model.quantizer().nearest(backend, arena, z.value());
                int[] host = new int[(int) codes.numel()];
                backend.copyToHost(codes, host);
                for (int i = 0; i < chunk.size(); i++) {
                    out[start + i] = java.util.Arrays.copyOfRange(host, i * t, (i + 1) * t);
                }
                arena.release();
            }
        }
        return out;
    }

    @Override
    public Image decode(int[] codes) {
        return decodeAll(List.of(codes)).getFirst();
    }

    /** The image each code list stands for, in order. */
    public List<Image> decodeAll(List<int[]> codeLists) {
        int t = tokensPerImage();
        for (int i = 0; i < codeLists.size(); i++) {
            int[] codes = codeLists.get(i);
            if (codes.length != t) {
                throw new IllegalArgumentException("decode: image " + i + " has " + codes.length + " codes, expected "
                        + t + " (a " + model.config().grid() + "x" + model.config().grid() + " grid)");
            }
            for (int j = 0; j < t; j++) {
                if (codes[j] < 0 || codes[j] >= codebookSize()) {
                    throw new IllegalArgumentException("decode: image " + i + " code " + j + " is " + codes[j]
                            + ", expected a code in [0, " + codebookSize() + ")");
                }
            }
        }
        List<Image> out = new ArrayList<>(codeLists.size());
        try (StepArena arena = backend.newArena()) {
            for (int start = 0; start < codeLists.size(); start += CHUNK) {
                int n = Math.min(CHUNK, codeLists.size() - start);
                int[] flat = new int[n * t];
                for (int i = 0; i < n; i++) {
                    System.arraycopy(codeLists.get(start + i), 0, flat, i * t, t);
                }
                Tensor idx = arena.allocate(DType.I32, Shape.of(flat.length));
                backend.copyFromHost(flat, idx);
                Graph g = new Graph(backend, arena, false);
                Var pixels = model.decode(g, g.constant(model.quantizer().lookup(backend, arena, idx)));
                out.addAll(model.download(backend, pixels.value(), n));
                arena.release();
            }
        }
        return out;
    }
}
