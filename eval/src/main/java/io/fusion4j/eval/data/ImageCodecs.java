package io.fusion4j.eval.data;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fusion4j.api.UserInputException;
import io.fusion4j.api.backend.Backend;
import io.fusion4j.api.data.DiscreteImageCodec;
import io.fusion4j.api.data.GridImageTokenizer;
import io.fusion4j.transfusion.vae.VaeConfig;
import io.fusion4j.transfusion.vae.VaeImageTokenizer;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/**
 * Image tokenizer folders: {@value #CONFIG} names the kind ({@code grid}, or {@code vq} from {@code fusion4j tokenizer
 * train}) and its settings; a learned kind keeps its weights beside it. A training run copies the folder it trains with
 * into its own {@value #RUN_FOLDER}, so generation from the run never depends on the original staying put.
 */
public final class ImageCodecs {
    /** The config file of an image tokenizer folder. */
    public static final String CONFIG = "tokenizer.json";
    /** Where a run keeps its copy of the image tokenizer. */
    public static final String RUN_FOLDER = "image-tokenizer";

    private ImageCodecs() {
    }

    /** The grid tokenizer for images of {@code channels} channels: cells of 4 pixels, 4 levels (colour) or 64 (grey). */
    public static GridImageTokenizer defaultGrid(int channels) {
        return GridImageTokenizer.discrete(4, channels == 1 ? 64 : 4);
    }

    /** Writes a grid tokenizer's folder. */
    public static void writeGrid(Path dir, GridImageTokenizer grid, int channels, int side) throws IOException {
        Files.createDirectories(dir);
        String json = "{\n  \"kind\": \"grid\",\n  \"cell\": " + grid.cell() + ",\n  \"levels\": " + grid.levels()
                + ",\n  \"channels\": " + channels + ",\n  \"side\": " + side + "\n}\n";
        Path tmp = dir.resolve("." + CONFIG + ".tmp");
        Files.writeString(tmp, json, StandardCharsets.UTF_8);
        Files.move(tmp, dir.resolve(CONFIG), StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    /**
     * The codec the folder holds; learned weights are allocated on {@code backend}, which must outlive the codec.
     *
     * @throws UserInputException naming the folder or file when it is not an image tokenizer or is damaged
     */
    public static DiscreteImageCodec load(Path dir, Backend backend) throws IOException {
        Path config = dir.resolve(CONFIG);
        JsonNode n = config(dir);
        String kind = n.path("kind").asText("");
        return switch (kind) {
            case "grid" -> {
                int cell = intField(n, "cell", config);
                int levels = intField(n, "levels", config);
                int channels = intField(n, "channels", config);
                int side = intField(n, "side", config);
                try {
                    yield GridImageTokenizer.discrete(cell, levels).codec(channels, side);
                } catch (IllegalArgumentException e) {
                    throw new UserInputException(config + ": " + e.getMessage(), e);
                }
            }
            case "vq" -> io.fusion4j.moma.vq.VqImageTokenizer.load(dir, backend);
            case VaeConfig.KIND -> throw new UserInputException(config + ": a VAE gives continuous latents, for a"
                    + " transfusion model ('train --preset transfusion-tiny --image-tokenizer " + dir + "'); this model"
                    + " reads discrete codes: give a grid or vq tokenizer");
            default -> throw new UserInputException(config + ": field 'kind' must be grid or vq, found '" + kind + "'");
        };
    }

    /**
     * The patch VAE the folder holds as a codec of {@code patch × patch} latent patches, on {@code backend}, which
     * must outlive the codec.
     *
     * @throws UserInputException naming the folder or file when it holds no VAE or is damaged
     */
    public static VaeImageTokenizer loadContinuous(Path dir, Backend backend, int patch) throws IOException {
        requireVae(dir);
        try {
            return VaeImageTokenizer.load(dir, backend, patch);
        } catch (IllegalArgumentException e) {
            throw new UserInputException(dir + ": " + e.getMessage(), e);
        }
    }

    /**
     * The side of the latent grid of the VAE in {@code dir} (its image side over its downsampling), read from its
     * config without loading its weights.
     */
    public static int latentGrid(Path dir) throws IOException {
        requireVae(dir);
        JsonNode n = config(dir);
        int side = n.path("side").asInt(0);
        int down = n.path("downsample").asInt(0);
        if (side < 1 || down < 1 || side % down != 0) {
            throw new UserInputException(dir.resolve(CONFIG) + ": expected a positive side divisible by a positive"
                    + " downsample, found side " + n.path("side") + " and downsample " + n.path("downsample"));
        }
        return side / down;
    }

    private static void requireVae(Path dir) throws IOException {
        String kind = kind(dir);
        if (!kind.equals(VaeConfig.KIND)) {
            throw new UserInputException(dir.resolve(CONFIG) + ": a model on continuous patches needs a VAE tokenizer"
                    + " (kind vae, from 'fusion4j tokenizer train --kind vae'), found kind '" + kind + "'");
        }
    }

    /**
     * The largest of {@code most}, its halves and 1 that divides {@code side}: the default patch of a grid (4 for
     * pixels, 2 for latents, less when the side is odd, as MNIST's 28 pixels make a 7x7 latent).
     */
    public static int largestDividing(int side, int most) {
        int k = most;
        while (k > 1 && side % k != 0) {
            k /= 2;
        }
        return k;
    }

    /** The {@code kind} field of the folder's config ({@code grid}, {@code vq} or {@code vae}). */
    public static String kind(Path dir) throws IOException {
        return config(dir).path("kind").asText("");
    }

    private static JsonNode config(Path dir) throws IOException {
        Path config = dir.resolve(CONFIG);
        if (!Files.isRegularFile(config)) {
            throw new UserInputException(dir + " is not an image tokenizer folder: it has no " + CONFIG
                    + " (make one with 'fusion4j tokenizer train --out " + dir + "')");
        }
        try {
            return new ObjectMapper().readTree(Files.readString(config));
        } catch (com.fasterxml.jackson.core.JacksonException e) {
            throw new UserInputException(config + ": not valid JSON: " + e.getOriginalMessage(), e);
        }
    }

    /** Copies the files an image tokenizer folder needs (its config and weights, not its training checkpoints). */
    public static void copy(Path from, Path to) throws IOException {
        Files.createDirectories(to);
        try (var files = Files.list(from)) {
            for (Path f : files.filter(Files::isRegularFile).toList()) {
                String name = f.getFileName().toString();
                if (name.startsWith("tokenizer.")) {
                    Path tmp = to.resolve("." + name + ".tmp");
                    Files.copy(f, tmp, StandardCopyOption.REPLACE_EXISTING);
                    Files.move(tmp, to.resolve(name), StandardCopyOption.REPLACE_EXISTING,
                            StandardCopyOption.ATOMIC_MOVE);
                }
            }
        }
    }

    private static int intField(JsonNode n, String field, Path file) {
        JsonNode v = n.get(field);
        if (v == null || !v.canConvertToInt() || !v.isIntegralNumber()) {
            throw new UserInputException(file + ": field '" + field + "' must be an integer, found "
                    + (v == null ? "nothing" : v.toString()));
        }
        return v.intValue();
    }
}
