package io.fusion4j.eval.classify;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fusion4j.api.io.SafetensorsException;

import java.util.ArrayList;
import java.util.List;

/**
 * A classifier network's shape: the task (its heads), the images it reads ({@code channels × side × side}), the
 * conv widths (a 3×3 stride-1 conv to {@code widths[0]}, then one stride-2 4×4 conv per further entry), and the width
 * of the penultimate feature layer.
 */
public record ClassifierConfig(ClassifierTask task, int channels, int side, List<Integer> widths, int features,
                               float normEps) {
    public ClassifierConfig {
        widths = List.copyOf(widths);
        if (channels < 1 || channels > 4 || widths.size() < 2 || features < 1) {
            throw new IllegalArgumentException("classifier config: channels must be in [1, 4], widths need >= 2"
                    + " entries and features >= 1, found channels " + channels + ", widths " + widths + ", features "
                    + features);
        }
        if (side % (1 << (widths.size() - 1)) != 0) {
            throw new IllegalArgumentException("classifier config: side " + side + " must be a multiple of 2^"
                    + (widths.size() - 1) + " for " + (widths.size() - 1) + " stride-2 convs");
        }
        for (int w : widths) {
            if (w < 1) {
                throw new IllegalArgumentException("classifier config: every width must be >= 1, found " + widths);
            }
        }
    }

    /** The default network for {@code task} on {@code channels × side × side} images. */
    public static ClassifierConfig defaults(ClassifierTask task, int channels, int side) {
        return new ClassifierConfig(task, channels, side, List.of(16, 32, 64), 128, 1e-5f);
    }

    /** Side of the last feature map, which is flattened into the feature layer (position matters for cells). */
    public int grid() {
        return side >> (widths.size() - 1);
    }

    ObjectNode toJson(ObjectMapper json) {
        ObjectNode o = json.createObjectNode();
        o.put("task", task.name().toLowerCase(java.util.Locale.ROOT));
        o.put("channels", channels);
        o.put("side", side);
        ArrayNode w = o.putArray("widths");
        widths.forEach(w::add);
        o.put("features", features);
        o.put("norm_eps", normEps);
        return o;
    }

    /** @param where the file, named in each error */
    static ClassifierConfig fromJson(JsonNode o, String where) {
        try {
            List<Integer> widths = new ArrayList<>();
            for (JsonNode n : o.path("widths")) {
                widths.add(n.intValue());
            }
            return new ClassifierConfig(ClassifierTask.valueOf(o.path("task").asText().toUpperCase(java.util.Locale.ROOT)),
                    o.path("channels").asInt(-1), o.path("side").asInt(-1), widths, o.path("features").asInt(-1),
                    (float) o.path("norm_eps").asDouble(Double.NaN));
        } catch (IllegalArgumentException e) {
            throw new SafetensorsException(where + ": not a classifier config: " + e.getMessage());
        }
    }
}
