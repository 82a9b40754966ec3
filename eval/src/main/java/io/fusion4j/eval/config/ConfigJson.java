package io.fusion4j.eval.config;

import io.fusion4j.api.UserInputException;
import com.fasterxml.jackson.annotation.JsonTypeInfo;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.jsontype.NamedType;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fusion4j.api.backend.Precision;
import io.fusion4j.api.nn.DecoderConfig;
import io.fusion4j.api.nn.ModelConfig;
import io.fusion4j.api.train.TrainConfig;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Reads and writes {@link RunConfig} as JSON: the training fields at the top level and the model under
 * {@code "model"} with its {@code "kind"}. Model kinds are registered here, at the composition root, so {@code api}
 * needs no JSON library; a new model module adds its config record with {@link #register}. A model without a kind
 * is the dense {@code decoder} (files written before kinds existed); training fields added later take their
 * defaults when absent.
 */
public final class ConfigJson {
    /** Ties {@link ModelConfig} to its kinds without annotating {@code api}. */
    @JsonTypeInfo(use = JsonTypeInfo.Id.NAME, include = JsonTypeInfo.As.PROPERTY, property = "kind",
            defaultImpl = DecoderConfig.class)
    private interface ModelKinds {
    }

    private static final Map<String, Class<? extends ModelConfig>> KINDS = new LinkedHashMap<>();
    private static final Map<String, JsonNode> DEFAULTS = Map.of(
            "microBatches", com.fasterxml.jackson.databind.node.IntNode.valueOf(1),
            "beta1", com.fasterxml.jackson.databind.node.FloatNode.valueOf(TrainConfig.DEFAULT_BETA1),
            "beta2", com.fasterxml.jackson.databind.node.FloatNode.valueOf(TrainConfig.DEFAULT_BETA2),
            "eps", com.fasterxml.jackson.databind.node.FloatNode.valueOf(TrainConfig.DEFAULT_EPS),
            "validateEvery", com.fasterxml.jackson.databind.node.IntNode.valueOf(0),
            "validationBatches", com.fasterxml.jackson.databind.node.IntNode.valueOf(0),
            "precision", com.fasterxml.jackson.databind.node.TextNode.valueOf(Precision.FP32.label()));
    private static ObjectMapper mapper;

    /** {@code "precision": "bf16"}, as on the command line, rather than the enum constant's name. */
    private abstract static class PrecisionLabels {
        @com.fasterxml.jackson.annotation.JsonValue
        abstract String label();
    }

    static {
        register(DecoderConfig.KIND, DecoderConfig.class);
        register(io.fusion4j.moma.MomaConfig.KIND, io.fusion4j.moma.MomaConfig.class);
        register(io.fusion4j.transfusion.TransfusionConfig.KIND, io.fusion4j.transfusion.TransfusionConfig.class);
    }

    private ConfigJson() {
    }

    /** Makes model kind {@code kind} readable and writable as {@code type}. */
    public static synchronized void register(String kind, Class<? extends ModelConfig> type) {
        KINDS.put(kind, type);
        mapper = null;
    }

    /** The registered model kinds, in registration order. */
    public static synchronized java.util.List<String> kinds() {
        return java.util.List.copyOf(KINDS.keySet());
    }

    private static synchronized ObjectMapper json() {
        if (mapper == null) {
            ObjectMapper m = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT)
                    .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
                    .addMixIn(ModelConfig.class, ModelKinds.class)
                    .addMixIn(Precision.class, PrecisionLabels.class);
            KINDS.forEach((k, c) -> m.registerSubtypes(new NamedType(c, k)));
            mapper = m;
        }
        return mapper;
    }

    public static String write(RunConfig c) {
        try {
            return json().writeValueAsString(tree(c)) + "\n";
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * The fields in which {@code after} differs from {@code before}, as {@code "steps 200 → 400"} or
     * {@code "model.dim 128 → 256"}, in file order; empty when they are the same run config.
     */
    public static java.util.List<String> differences(RunConfig before, RunConfig after) {
        java.util.List<String> out = new java.util.ArrayList<>();
        diff("", tree(before), tree(after), out);
        return out;
    }

    /** The JSON tree {@link #write} writes. */
    private static ObjectNode tree(RunConfig c) {
        ObjectNode root = json().createObjectNode();
        root.set("model", json().valueToTree(c.model()));
        ((ObjectNode) json().valueToTree(c.train())).properties().forEach(e -> root.set(e.getKey(), e.getValue()));
        return root;
    }

    private static void diff(String prefix, JsonNode a, JsonNode b, java.util.List<String> out) {
        java.util.Set<String> names = new java.util.LinkedHashSet<>();
        a.fieldNames().forEachRemaining(names::add);
        b.fieldNames().forEachRemaining(names::add);
        for (String n : names) {
            JsonNode x = a.get(n);
            JsonNode y = b.get(n);
            if (x != null && y != null && x.isObject() && y.isObject()) {
                diff(prefix + n + ".", x, y, out);
            } else if (x == null || !x.equals(y)) {
                out.add(prefix + n + " " + (x == null ? "(none)" : x.asText()) + " → " + (y == null ? "(none)" : y.asText()));
            }
        }
    }

    /** Parses {@code text}; {@code where} names the file in errors. */
    public static RunConfig read(String text, String where) {
        try {
            JsonNode tree = json().readTree(text);
            if (!(tree instanceof ObjectNode root)) {
                throw new UserInputException(where + ": expected a JSON object with \"model\" and training fields");
            }
            JsonNode model = root.remove("model");
            if (model == null) {
                throw new UserInputException(where + ": no \"model\" object");
            }
            if (model.has("kind") && !KINDS.containsKey(model.get("kind").asText())) {
                throw new UserInputException(where + ": model kind '" + model.get("kind").asText()
                        + "' is unknown; known kinds: " + String.join(", ", KINDS.keySet()));
            }
            // Fields added after a file was written take the values the trainer used before they existed.
            DEFAULTS.forEach((field, value) -> {
                if (!root.has(field)) {
                    root.set(field, value);
                }
            });
            ModelConfig m = json().treeToValue(model, ModelConfig.class);
            TrainConfig t = json().treeToValue(root, TrainConfig.class);
            return new RunConfig(m, t);
        } catch (JsonProcessingException e) {
            // A record's own check (TrainConfig, DecoderConfig) fails inside Jackson: report its words for the file.
            Throwable cause = e.getCause();
            String why = cause instanceof IllegalArgumentException ? cause.getMessage() : e.getOriginalMessage();
            throw new UserInputException(where + ": not a valid run config: " + why, e);
        }
    }

    public static RunConfig read(Path file) throws IOException {
        return read(io.fusion4j.api.io.BoundedText.read(file, io.fusion4j.api.io.BoundedText.SMALL), file.toString());
    }
}
