package io.fusion4j.api.io;

import java.util.Map;

/**
 * The strict JSON reader of the safetensors headers, for other small files of ours (a tokenizer's config): objects,
 * arrays, strings and non-negative integers only, duplicate keys and trailing text refused, nesting capped. Store
 * other numbers as strings ({@code "0.25"}), which also round-trips a float exactly.
 */
public final class StrictJson {
    private StrictJson() {
    }

    /**
     * Parses one JSON object; values are {@code String}, {@code Long}, {@code List<Object>} or {@code Map}.
     *
     * @param source names the file in errors, which also give the byte position
     * @throws SafetensorsException when the text is not such an object
     */
    public static Map<String, Object> parseObject(String text, String source) {
        return HeaderJson.parseObject(text.strip(), 0, source);
    }

    /** {@code value} as a JSON string literal, quotes included. */
    public static String quote(String value) {
        return HeaderJson.quote(value);
    }
}
