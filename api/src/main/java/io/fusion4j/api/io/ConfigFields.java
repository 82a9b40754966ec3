package io.fusion4j.api.io;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * Typed fields of a config object read by {@link StrictJson} (integers as numbers, floats as decimal strings, so
 * both round-trip exactly): each getter names the file and the field, and what it expected, when the value is not
 * one.
 */
public final class ConfigFields {
    private final Map<String, Object> m;
    private final String source;

    /** Parses {@code json}; {@code source} (the file) is named in every error. */
    public ConfigFields(String json, String source) {
        this.m = StrictJson.parseObject(json, source);
        this.source = source;
    }

    /**
     * Reads a config of {@code kind} from {@code json} with {@code build}; what the config's own checks refuse (an
     * {@link IllegalArgumentException}) is reported as a {@link SafetensorsException} naming {@code source}.
     */
    public static <T> T read(String json, String source, String kind, Function<ConfigFields, T> build) {
        ConfigFields f = new ConfigFields(json, source).requireKind(kind);
        try {
            return build.apply(f);
        } catch (IllegalArgumentException e) {
            throw new SafetensorsException(source + ": " + e.getMessage());
        }
    }

    /** Refuses a config whose {@code "kind"} is not {@code kind}. */
    public ConfigFields requireKind(String kind) {
        Object k = m.get("kind");
        if (!kind.equals(k)) {
            throw new SafetensorsException(source + ": expected \"kind\": \"" + kind + "\", found " + k);
        }
        return this;
    }

    public String source() {
        return source;
    }

    public int integer(String key) {
        return intOf(m.get(key), key);
    }

    public List<Integer> integers(String key) {
        if (!(m.get(key) instanceof List<?> l)) {
            throw new SafetensorsException(source + ": expected \"" + key + "\" to be an array of integers, found "
                    + m.get(key));
        }
        List<Integer> out = new ArrayList<>();
        for (Object o : l) {
            out.add(intOf(o, key));
        }
        return out;
    }

    public float decimal(String key) {
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

    /** {@code values} as a JSON array body: {@code 32, 64, 64}. */
    public static String joined(List<Integer> values) {
        StringBuilder w = new StringBuilder();
        for (int i = 0; i < values.size(); i++) {
            w.append(i == 0 ? "" : ", ").append(values.get(i));
        }
        return w.toString();
    }

    private int intOf(Object o, String key) {
        if (!(o instanceof Long l) || l > Integer.MAX_VALUE) {
            throw new SafetensorsException(source + ": expected \"" + key + "\" to be an integer, found " + o);
        }
        return (int) (long) l;
    }
}
