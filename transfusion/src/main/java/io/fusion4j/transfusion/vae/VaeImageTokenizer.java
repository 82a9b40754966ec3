package io.fusion4j.transfusion.vae;

import io.fusion4j.api.autograd.Graph;
import io.fusion4j.api.backend.Backend;
import io.fusion4j.api.data.ContinuousImageCodec;
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
 * A trained patch VAE as a {@link ContinuousImageCodec}: an image to its latent means (no sampling: deterministic),
 * scaled to {@code scale·(μ − shift)} and cut into {@code k × k} latent patches in raster order, each flattened
 * (channel, row, column) as {@code PixelPatches} does; patches back through the decoder to an image clamped to
 * {@code [0, 1]}. {@link #encodeAll} and {@link #decodeAll} run many images per forward pass. Runs on the backend it
 * was loaded on; not thread-safe.
 */
public final class VaeImageTokenizer implements ContinuousImageCodec {
    /** Images per forward pass: large enough for efficient GEMMs, small enough to keep the arena modest. */
    static final int CHUNK = 64;
    private final VaeAutoencoder model;
    private final VaeConfig config;
    private final Backend backend;
    private final int patch;

    /**
     * @param model  allocated (and trained or loaded) on {@code backend}
     * @param config the model's config with the latent statistics to encode with
     * @param patch  latent pixels per patch side: 1, 2 or 4, dividing the latent side
     */
    public VaeImageTokenizer(VaeAutoencoder model, VaeConfig config, Backend backend, int patch) {
        if (model.parameters().values() == null) {
            throw new IllegalArgumentException("VaeImageTokenizer: allocate or load the model's parameters first");
        }
        VaeConfig m = model.config();
        if (!m.withLatentStats(config.shift(), config.scale(), config.range()).equals(config)) {
            throw new IllegalArgumentException("VaeImageTokenizer: the config " + config + " is not the model's "
                    + m + " (only shift, scale and range may differ)");
        }
        if ((patch != 1 && patch != 2 && patch != 4) || config.grid() % patch != 0) {
            throw new IllegalArgumentException("the VAE patch size must be 1, 2 or 4 and divide the " + config.grid()
                    + "x" + config.grid() + " latent, found " + patch);
        }
        this.model = model;
        this.config = config;
        this.backend = backend;
        this.patch = patch;
    }

    /** Reads {@code dir/tokenizer.json} and {@code dir/tokenizer.safetensors} onto {@code backend}. */
    public static VaeImageTokenizer load(Path dir, Backend backend, int patch) throws IOException {
        VaeAutoencoder model = VaeTokenizerFiles.read(dir, backend);
        return new VaeImageTokenizer(model, model.config(), backend, patch);
    }

    /** Writes {@code dir/tokenizer.json} (with this codec's latent statistics) and the weights, each atomically. */
    public void save(Path dir) throws IOException {
        VaeTokenizerFiles.write(dir, model, config, backend);
    }

    /**
     * This codec with the latent statistics measured on {@code sample}: {@code shift} the mean and {@code scale} the
     * inverse standard deviation of every latent-mean element, {@code range} the largest scaled magnitude.
     */
    public VaeImageTokenizer measured(List<Image> sample) {
        double sum = 0;
        double sq = 0;
        long n = 0;
        List<float[]> means = latentMeans(sample);
        for (float[] m : means) {
            for (float v : m) {
                sum += v;
                sq += (double) v * v;
                n++;
            }
        }
        if (n == 0) {
            throw new IllegalArgumentException("measuring the VAE latent needs at least one image, found none");
        }
        double mean = sum / n;
        double std = Math.sqrt(Math.max(0, sq / n - mean * mean));
        if (!(std > 0)) {
            throw new IllegalStateException("the VAE latent means have no spread over " + sample.size()
                    + " images (std " + std + "): the encoder is constant, nothing to scale");
        }
        double range = 0;
        for (float[] m : means) {
            for (float v : m) {
                range = Math.max(range, Math.abs((v - mean) / std));
            }
        }
        return new VaeImageTokenizer(model, config.withLatentStats((float) mean, (float) (1 / std), (float) range),
                backend, patch);
    }

    public VaeConfig config() {
        return config;
    }

    @Override
    public int patchSize() {
        return patch;
    }

    /** The largest scaled latent magnitude measured: where the sampler clamps its clean estimate. */
    public double latentRange() {
        return config.range();
    }

    @Override
    public int patchesPerImage() {
        int g = config.grid() / patch;
        return g * g;
    }

    @Override
    public int patchWidth() {
        return config.latentChannels() * patch * patch;
    }

    @Override
    public int channels() {
        return config.channels();
    }

    @Override
    public int side() {
        return config.side();
    }

    @Override
    public ImageTokens.Continuous encode(Image image) {
        return new ImageTokens.Continuous(encodeAll(List.of(image)).getFirst(), patchesPerImage(), patchWidth());
    }

    /** Each image's patches ({@link #patchesPerImage()} × {@link #patchWidth()} floats), in order. */
    public List<float[]> encodeAll(List<Image> images) {
        List<float[]> means = latentMeans(images);
        List<float[]> out = new ArrayList<>(means.size());
        for (float[] m : means) {
            out.add(patches(m));
        }
        return out;
    }

    /** Raw latent means per image, rows {@code [grid², C]} in raster order, flattened. */
    List<float[]> latentMeans(List<Image> images) {
        int per = config.grid() * config.grid() * config.latentChannels();
        List<float[]> out = new ArrayList<>(images.size());
        try (StepArena arena = backend.newArena()) {
            for (int start = 0; start < images.size(); start += CHUNK) {
                List<Image> chunk = images.subList(start, Math.min(images.size(), start + CHUNK));
                Graph g = new Graph(backend, arena, false);
                Tensor mean = model.encode(g, model.upload(backend, arena, chunk)).mean().value();
                float[] host = new float[(int) mean.numel()];
                backend.copyToHost(mean, host);
                for (int i = 0; i < chunk.size(); i++) {
                    out.add(java.util.Arrays.copyOfRange(host, i * per, (i + 1) * per));
                }
                arena.release();
            }
        }
        return out;
    }

    @Override
    public Image decode(float[] patches) {
        return decodeAll(List.of(patches)).getFirst();
    }

    /** The image each patch list stands for, in order. */
    public List<Image> decodeAll(List<float[]> patchLists) {
        int floats = patchesPerImage() * patchWidth();
        for (int i = 0; i < patchLists.size(); i++) {
            if (patchLists.get(i).length != floats) {
                throw new IllegalArgumentException("decode: image " + i + " has " + patchLists.get(i).length
                        + " floats, expected " + patchesPerImage() + " patches of " + patchWidth() + " = " + floats);
            }
        }
        int c = config.latentChannels();
        int grid = config.grid();
        List<Image> out = new ArrayList<>(patchLists.size());
        try (StepArena arena = backend.newArena()) {
            for (int start = 0; start < patchLists.size(); start += CHUNK) {
                int n = Math.min(CHUNK, patchLists.size() - start);
                float[] flat = new float[n * floats];
                for (int i = 0; i < n; i++) {
                    latent(patchLists.get(start + i), flat, i * floats);
                }
                Tensor z = arena.allocate(DType.F32, Shape.of((long) n * grid * grid, c));
                backend.copyFromHost(flat, z);
                Graph g = new Graph(backend, arena, false);
                out.addAll(model.download(backend, model.decode(g, g.constant(z)).value(), n));
                arena.release();
            }
        }
        return out;
    }

    /** Scaled raster-order patches of one image's raw latent rows. */
    private float[] patches(float[] means) {
        float[] v = new float[means.length];
        relayout(v, means, 0, true);
        return v;
    }

    /** {@link #patches}'s inverse: patches to raw latent rows, written into {@code rows} from {@code at}. */
    private void latent(float[] patches, float[] rows, int at) {
        relayout(patches, rows, at, false);
    }

    /** Walks patch order (patch, channel, row, column) beside latent-row order, copying one way or the other. */
    private void relayout(float[] patches, float[] rows, int at, boolean toPatches) {
        int c = config.latentChannels();
        int grid = config.grid();
        int cells = grid / patch;
        float shift = config.shift();
        float scale = config.scale();
        int o = 0;
        for (int gy = 0; gy < cells; gy++) {
            for (int gx = 0; gx < cells; gx++) {
                for (int ch = 0; ch < c; ch++) {
                    for (int y = 0; y < patch; y++) {
                        for (int x = 0; x < patch; x++) {
                            int r = at + ((gy * patch + y) * grid + gx * patch + x) * c + ch;
                            if (toPatches) {
                                patches[o++] = scale * (rows[r] - shift);
                            } else {
                                rows[r] = patches[o++] / scale + shift;
                            }
                        }
                    }
                }
            }
        }
    }
}
