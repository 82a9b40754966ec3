package io.fusion4j.eval.config;

import io.fusion4j.api.UserInputException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The named run configurations, as data: {@code presets.json} beside this class maps each name to a description
 * and a run config in {@link ConfigJson}'s format. A new preset is a new entry in that file, not a new branch here.
 */
public final class Presets {
    /** One named configuration. */
    public record Preset(String name, String description, RunConfig config) {
    }

    private static Map<String, Preset> all;

    private Presets() {
    }

    /** Every preset by name, in file order. */
    public static synchronized Map<String, Preset> all() {
        if (all == null) {
            try (InputStream in = Presets.class.getResourceAsStream("presets.json")) {
                if (in == null) {
                    throw new IllegalStateException("presets.json is missing from the eval module");
                }
                JsonNode root = new ObjectMapper().readTree(in);
                Map<String, Preset> m = new LinkedHashMap<>();
                for (var e : root.properties()) {
                    String name = e.getKey();
                    JsonNode p = e.getValue();
                    m.put(name, new Preset(name, p.path("description").asText(""),
                            ConfigJson.read(p.get("config").toString(), "presets.json#" + name)));
                }
                all = java.util.Collections.unmodifiableMap(m);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return all;
    }

    /** The preset named {@code name}; an unknown name is an error listing the known ones. */
    public static Preset get(String name) {
        Preset p = all().get(name);
        if (p == null) {
            throw new UserInputException("--preset: expected one of " + String.join(", ", all().keySet())
                    + ", found " + name);
        }
        return p;
    }
}
