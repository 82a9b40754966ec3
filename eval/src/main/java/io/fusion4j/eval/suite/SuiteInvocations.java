package io.fusion4j.eval.suite;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fusion4j.api.io.BoundedText;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * The wall time of every {@code eval} invocation into one folder, one JSON line each in {@value #FILE}, so a report
 * can state what the whole suite cost when it was stopped and resumed (a report records only what this file holds).
 */
public final class SuiteInvocations {
    public static final String FILE = "invocations.jsonl";

    /** What the folder's invocations took together, and the commits they ran (distinct, in order; may be empty). */
    public record Total(int invocations, double seconds, List<String> commits) {
        public Total {
            commits = List.copyOf(commits);
        }
    }

    private SuiteInvocations() {
    }

    /**
     * Appends one invocation: when it started, how long it ran, whether it finished the suite, and the commit of the
     * code that ran it (the working directory's checkout).
     */
    public static void record(Path out, Instant started, double seconds, boolean finished) throws IOException {
        String line = new ObjectMapper().createObjectNode().put("started", started.toString()).put("seconds", seconds)
                .put("finished", finished).put("commit", SuiteReport.commit()).toString() + "\n";
        Path f = out.resolve(FILE);
        if (Files.isRegularFile(f) && Files.size(f) > 0) {
            byte[] last = new byte[1];
            try (var ch = Files.newByteChannel(f)) {
                ch.position(ch.size() - 1).read(java.nio.ByteBuffer.wrap(last));
            }
            if (last[0] != '\n') {
                line = "\n" + line; // after a fragment a crash left: start a line of our own
            }
        }
        Files.writeString(f, line, StandardCharsets.UTF_8, StandardOpenOption.CREATE,
                StandardOpenOption.APPEND);
    }

    /** The invocations so far; a line cut short by a crash is left out. */
    public static Total total(Path out) throws IOException {
        Path f = out.resolve(FILE);
        if (!Files.isRegularFile(f)) {
            return new Total(0, 0, List.of());
        }
        int n = 0;
        double s = 0;
        Set<String> commits = new LinkedHashSet<>();
        ObjectMapper json = new ObjectMapper();
        for (String line : BoundedText.read(f, BoundedText.SMALL).split("\n")) {
            if (line.isBlank()) {
                continue;
            }
            try {
                JsonNode node = json.readTree(line);
                if (node.path("seconds").isNumber()) {
                    n++;
                    s += node.path("seconds").asDouble();
                    if (node.hasNonNull("commit")) {
                        commits.add(node.path("commit").asText());
                    }
                }
            } catch (IOException partial) {
                // A line half-written when the machine stopped counts as nothing.
            }
        }
        return new Total(n, s, List.copyOf(commits));
    }
}
