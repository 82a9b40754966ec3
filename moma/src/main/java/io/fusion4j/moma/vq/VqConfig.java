package io.fusion4j.moma.vq;

import io.fusion4j.api.io.SafetensorsException;
import io.fusion4j.api.io.StrictJson;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The geometry and training constants of a VQ image tokenizer (docs/model.md, "VQ image tokenizer"): images of
 * {@code channels × side × side} become a {@code (side / downsample)²} grid of codes from {@code codes} vectors of
 * {@code codeDim}; {@code widths} gives the feature channels at each resolution {@code side / 2^l}, {@code l = 0 … L}
 * with {@code L = log2 downsample}.
 */
public record VqConfig(int channels, int side, int downsample, List<Integer> widths, int codeDim, int codes,
                       float beta, float emaDecay, float deadBelow, float normEps) {
    /** The tokenizer's kind in {@code tokenizer.json}. */
    public static final String KIND = "vq";

    public VqConfig {
        widths = List.copyOf(widths);
        if (channels < 1 || channels > 4) {
            throw new IllegalArgumentException("vq config: channels must be in [1, 4], found " + channels);
        }
        if (downsample < 2 || Integer.bitCount(downsample) != 1) {
            throw new IllegalArgumentException("vq config: downsample must be a power of two >= 2, found " + downsample);
        }
        if (side < downsample || side % downsample != 0) {
            throw new IllegalArgumentException("vq config: side must be a positive multiple of downsample " + downsample
                    + ", found " + side);
        }
        int levels = Integer.numberOfTrailingZeros(downsample);
        if (widths.size() != levels + 1) {
            throw new IllegalArgumentException("vq config: downsample " + downsample + " has " + levels
                    + " stages, so widths needs " + (levels + 1) + " entries, found " + widths);
        }
        for (int w : widths) {
            if (w < 1) {
                throw new IllegalArgumentException("vq config: every width must be >= 1, found " + widths);
            }
        }
        if (codeDim < 1 || codes < 2) {
            throw new IllegalArgumentException("vq config: codeDim must be >= 1 and codes >= 2, found codeDim="
                    + codeDim + " codes=" + codes);
        }
        if (!(beta >= 0) || !(emaDecay > 0 && emaDecay < 1) || !(deadBelow >= 0) || !(normEps > 0)) {
            throw new IllegalArgumentException("vq config: needs beta >= 0, 0 < emaDecay < 1, deadBelow >= 0 and"
                    + " normEps > 0, found beta=" + beta + " emaDecay=" + emaDecay + " deadBelow=" + deadBelow
                    + " normEps=" + normEps);
        }
    }

    /** The default: 32×32 RGB to 8×8 codes of 1,024. */
    public static VqConfig defaults() {
        return new VqConfig(3, 32, 4, List.of(32, 64, 64), 16, 1024, 0.25f, 0.99f, 1f, 1e-5f);
    }

    /** A copy with another codebook size. */
    public VqConfig withCodes(int n) {
        return new VqConfig(channels, side, downsample, widths, codeDim, n, beta, emaDecay, deadBelow, normEps);
    }

    /** A copy for images of another channel count and side. */
    public VqConfig withImages(int c, int s) {
        return new VqConfig(c, s, downsample, widths, codeDim, codes, beta, emaDecay, deadBelow, normEps);
    }

    /** Stride-2 stages: {@code log2 downsample}. */
    public int levels() {
        return Integer.numberOfTrailingZeros(downsample);
    }

    /** Side of the code grid. */
    public int grid() {
        return side / downsample;
    }

    /** Codes per image. */
    public int tokensPerImage() {
        return grid() * grid();
    }

    /** {@code tokenizer.json}: integers as numbers, floats as strings (exact round trip through {@link StrictJson}). */
    public String toJson() {
        StringBuilder w = new StringBuilder();
        for (int i = 0; i < widths.size(); i++) {
            w.append(i == 0 ? "" : ", ").append(widths.get(i));
        }
        return "{\n  \"kind\": \"" + KIND + "\",\n  \"channels\": " + channels + ",\n  \"side\": " + side
                + ",\n  \"downsample\": " + downsample + ",\n  \"widths\": [" + w + "],\n  \"codeDim\": " + codeDim
                + ",\n  \"codes\": " + codes + ",\n  \"beta\": \"" + beta + "\",\n  \"emaDecay\": \"" + emaDecay
                + "\",\n  \"deadBelow\": \"" + deadBelow + "\",\n  \"normEps\": \"" + normEps + "\"\n}\n";
    }

    /** Parses {@link #toJson()}'s format; {@code source} (the file) is named in every error. */
    public static VqConfig fromJson(String json, String source) {
        Map<String, Object> m = StrictJson.parseObject(json, source);
        Object kind = m.get("kind");
        if (!KIND.equals(kind)) {
            throw new SafetensorsException(source + ": expected \"kind\": \"" + KIND + "\", found " + kind);
        }
        try {
            List<Integer> widths = new ArrayList<>();
            for (Object o : list(m, "widths", source)) {
                widths.add(intOf(o, "widths", source));
            }
            return new VqConfig(integer(m, "channels", source), integer(m, "side", source),
                    integer(m, "downsample", source), widths, integer(m, "codeDim", source),
                    integer(m, "codes", source), decimal(m, "beta", source), decimal(m, "emaDecay", source),
                    decimal(m, "deadBelow", source), decimal(m, "normEps", source));
        } catch (IllegalArgumentException e) {
            throw new SafetensorsException(source + ": " + e.getMessage());
        }
    }

    private static List<?> list(Map<String, Object> m, String key, String source) {
        if (!(m.get(key) instanceof List<?> l)) {
            throw new SafetensorsException(source + ": expected \"" + key + "\" to be an array of integers, found "
                    + m.get(key));
        }
        return l;
    }

    private static int integer(Map<String, Object> m, String key, String source) {
        return intOf(m.get(key), key, source);
    }

    private static int intOf(Object o, String key, String source) {
        if (!(o instanceof Long l) || l > Integer.MAX_VALUE) {
            throw new SafetensorsException(source + ": expected \"" + key + "\" to be an integer, found " + o);
        }
        return (int) (long) l;
    }

    private static float decimal(Map<String, Object> m, String key, String source) {
        Object o = m.get(key);
        if (o instanceof String s) {
            try {
                return Float.parseFloat(s);
            } catch (NumberFormatException e) {
                // reported below
            }
        }
        throw new SafetensorsException(source + ": expected \"" + key + "\" to be a decimal in a string (\"0.25\"), found "
                + o);
    }
}
