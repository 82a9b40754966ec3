package io.fusion4j.eval.data.fetch;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fusion4j.api.UserInputException;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The datasets {@code fusion4j data fetch} knows, each pinned to one version and one SHA-256. The built-in list is
 * the resource {@value #RESOURCE}: data, not code, so a new pin is a one-line change reviewed as such.
 */
public final class Catalogue {
    /** The built-in catalogue, next to this class. */
    public static final String RESOURCE = "catalogue.json";
    /** Files larger than this are not catalogues. */
    private static final long MAX_BYTES = 1 << 20;

    private final Map<String, DatasetPin> pins;

    private Catalogue(List<DatasetPin> pins) {
        Map<String, DatasetPin> byName = new LinkedHashMap<>();
        for (DatasetPin p : pins) {
            if (byName.put(p.name(), p) != null) {
                throw new IllegalArgumentException("dataset '" + p.name() + "' is listed twice");
            }
        }
        this.pins = byName;
    }

    /** The catalogue shipped with fusion4j. */
    public static Catalogue builtin() {
        try (InputStream in = Catalogue.class.getResourceAsStream(RESOURCE)) {
            if (in == null) {
                throw new IllegalStateException("resource " + RESOURCE + " is missing from the eval module");
            }
            return parse(in.readAllBytes(), RESOURCE);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A catalogue read from {@code file} (same format as the built-in one); bad content is the user's input. */
    public static Catalogue read(Path file) throws IOException {
        if (Files.size(file) > MAX_BYTES) {
            throw new UserInputException(file + ": larger than " + MAX_BYTES + " bytes, not a dataset catalogue");
        }
        try {
            return parse(Files.readAllBytes(file), file.toString());
        } catch (IllegalArgumentException e) {
            throw new UserInputException(file + ": " + e.getMessage(), e);
        }
    }

    private static Catalogue parse(byte[] json, String where) throws IOException {
        JsonNode root = new ObjectMapper().readTree(json);
        JsonNode list = root == null ? null : root.get("datasets");
        if (list == null || !list.isArray()) {
            throw new IllegalArgumentException(where + ": expected an object with a 'datasets' array");
        }
        List<DatasetPin> pins = new ArrayList<>();
        for (JsonNode d : list) {
            pins.add(new DatasetPin(text(d, "name"), text(d, "package"), text(d, "version"), text(d, "sha256"),
                    d.path("bytes").asLong(0), text(d, "licence"), text(d, "attribution")));
        }
        return new Catalogue(pins);
    }

    private static String text(JsonNode d, String field) {
        JsonNode v = d.get(field);
        return v != null && v.isTextual() ? v.asText() : null;
    }

    /** Every pin, in catalogue order. */
    public List<DatasetPin> all() {
        return List.copyOf(pins.values());
    }

    /** The pin called {@code name}; unknown names are refused with the list of known ones. */
    public DatasetPin get(String name) {
        DatasetPin p = pins.get(name);
        if (p == null) {
            throw new UserInputException("no dataset '" + name + "' to fetch; known: " + String.join(", ", pins.keySet())
                    + ", all");
        }
        return p;
    }
}
