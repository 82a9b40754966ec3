package io.fusion4j.eval.suite;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fusion4j.api.UserInputException;
import io.fusion4j.api.io.CheckpointStore;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * What an {@code eval} folder was made with ({@code OUT/suite.json}), so {@code fusion4j report --out DIR} rebuilds
 * the same plan without being told, and a rerun with other settings into the same folder is refused.
 */
public record SuiteSettings(String suite, String preset, String dataset, int seeds) {
    public static final String FILE = "suite.json";

    public SuitePlan plan(Path out, java.util.List<String> backendArgs) throws IOException {
        SuitePreset p = SuitePreset.of(preset);
        return SuitePlan.of(suite, out, dataset, p.budget(), seeds, backendArgs);
    }

    /** Writes the settings, or checks them against the folder's: other settings are an error naming both. */
    public void claim(Path out) throws IOException {
        Path f = out.resolve(FILE);
        if (Files.isRegularFile(f)) {
            SuiteSettings saved = read(out);
            if (!saved.equals(this)) {
                throw new UserInputException("--out " + out + " holds an evaluation made with " + saved.describe()
                        + "; this one asks for " + describe() + ": pass another --out, or the same options");
            }
            return;
        }
        Files.createDirectories(out);
        var n = new ObjectMapper().createObjectNode().put("suite", suite).put("preset", preset).put("dataset", dataset)
                .put("seeds", seeds);
        String json = new ObjectMapper().writerWithDefaultPrettyPrinter().writeValueAsString(n);
        CheckpointStore.writeAtomically(f, json.getBytes(StandardCharsets.UTF_8));
    }

    public static SuiteSettings read(Path out) throws IOException {
        Path f = out.resolve(FILE);
        if (!Files.isRegularFile(f)) {
            throw new UserInputException("--out " + out + " holds no " + FILE + ": not a folder 'fusion4j eval' wrote");
        }
        JsonNode n = new ObjectMapper().readTree(Files.readString(f));
        for (String k : new String[]{"suite", "preset", "dataset", "seeds"}) {
            if (!n.has(k)) {
                throw new UserInputException(f + ": field '" + k + "' is missing");
            }
        }
        return new SuiteSettings(n.get("suite").asText(), n.get("preset").asText(), n.get("dataset").asText(),
                n.get("seeds").asInt());
    }

    public String describe() {
        return "--suite " + suite + " --preset " + preset + " --dataset " + dataset + " --seeds " + seeds;
    }
}
