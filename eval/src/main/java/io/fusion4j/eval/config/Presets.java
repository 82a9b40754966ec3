package io.fusion4j.eval.config;

import io.fusion4j.api.nn.DecoderConfig;
import io.fusion4j.api.router.Routers;
import io.fusion4j.moma.MomaConfig;
import io.fusion4j.moma.MomaVariants;

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
                    m.put(name, new Preset(name, p.path("description").asText(""), config(name, p, m)));
                }
                all = java.util.Collections.unmodifiableMap(m);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return all;
    }

    /**
     * A preset's run config: {@code "config"} as written, or {@code "variant"} of an earlier preset {@code "of"} (a
     * {@link MomaVariants} name built from that preset's dense decoder at its sequence length, FLOPs matched).
     */
    private static RunConfig config(String name, JsonNode p, Map<String, Preset> earlier) {
        if (p.has("config")) {
            return ConfigJson.read(p.get("config").toString(), "presets.json#" + name);
        }
        Preset base = earlier.get(p.path("of").asText());
        if (base == null || !p.has("variant")) {
            throw new IllegalStateException("presets.json#" + name + ": expected \"config\", or \"variant\" and"
                    + " \"of\" naming an earlier preset");
        }
        DecoderConfig dense = base.config().model() instanceof MomaConfig mc ? mc.base()
                : (DecoderConfig) base.config().model();
        MomaConfig v = MomaVariants.of(p.get("variant").asText(), dense, base.config().train().seqLen(),
                Routers.discover());
        return new RunConfig(v, base.config().train());
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
