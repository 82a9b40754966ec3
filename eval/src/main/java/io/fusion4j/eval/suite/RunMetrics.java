package io.fusion4j.eval.suite;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fusion4j.api.UserInputException;

import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * What the report reads from a run's {@code metrics.jsonl}: every validation pass (loss, its named terms, counted
 * training FLOPs so far, routing metrics), the training throughput and the wall time of its steps. A step logged
 * twice (a run stopped between checkpoints and resumed redoes those steps) counts once, its last record.
 *
 * @param validations    in step order
 * @param tokensPerSecond median training tokens per second over the run's steps after the first five
 * @param stepSeconds    the sum of the logged step times
 * @param totalFlops     counted training FLOPs at the last logged step
 */
public record RunMetrics(List<Validation> validations, double tokensPerSecond, double stepSeconds, double totalFlops,
                         long lastStep) {
    /** One validation pass; {@code terms} holds each term's value (lm, text, image, diffusion …). */
    public record Validation(long step, double totalFlops, double loss, Map<String, Double> terms,
                             Map<String, Double> metrics) {
        /** A term's value, or NaN when the pass did not report it. */
        public double term(String name) {
            return terms.getOrDefault(name, Double.NaN);
        }
    }

    public static final String FILE = "metrics.jsonl";

    /** The last validation pass (the run's end point). */
    public Validation last() {
        if (validations.isEmpty()) {
            throw new UserInputException("no validation pass was logged; the report needs held-out losses");
        }
        return validations.getLast();
    }

    /** Reads {@code run/metrics.jsonl}; a line that is not JSON is an error naming the file and line. */
    public static RunMetrics read(Path run) throws IOException {
        Path file = run.resolve(FILE);
        if (!Files.isRegularFile(file)) {
            throw new UserInputException(file + ": no such file (has the run trained?)");
        }
        ObjectMapper json = new ObjectMapper();
        TreeMap<Long, JsonNode> steps = new TreeMap<>();
        TreeMap<Long, JsonNode> validations = new TreeMap<>();
        try (BufferedReader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            String line;
            int n = 0;
            while ((line = r.readLine()) != null) {
                n++;
                if (line.isBlank()) {
                    continue;
                }
                JsonNode e;
                try {
                    e = json.readTree(line);
                } catch (com.fasterxml.jackson.core.JsonProcessingException bad) {
                    throw new UserInputException(file + " line " + n + ": not JSON (" + bad.getOriginalMessage() + ")");
                }
                switch (e.path("event").asText()) {
                    case "step" -> steps.put(e.path("step").asLong(), e);
                    case "validation" -> validations.put(e.path("step").asLong(), e);
                    default -> { }
                }
            }
        }
        List<Validation> vs = new ArrayList<>();
        for (JsonNode v : validations.values()) {
            vs.add(new Validation(v.path("step").asLong(), v.path("total_flops").asDouble(), v.path("loss").asDouble(),
                    values(v.path("terms"), true), values(v.path("metrics"), false)));
        }
        List<Double> rates = new ArrayList<>();
        double seconds = 0;
        int k = 0;
        for (JsonNode s : steps.values()) {
            double t = s.path("seconds").asDouble();
            seconds += t;
            if (k++ >= 5 && t > 0) {
                rates.add(s.path("tokens").asDouble() / t);
            }
        }
        double flops = steps.isEmpty() ? 0 : steps.lastEntry().getValue().path("total_flops").asDouble();
        return new RunMetrics(List.copyOf(vs), median(rates), seconds, flops, steps.isEmpty() ? 0 : steps.lastKey());
    }

    private static Map<String, Double> values(JsonNode node, boolean terms) {
        Map<String, Double> m = new LinkedHashMap<>();
        node.properties().forEach(e -> m.put(e.getKey(), terms ? e.getValue().path("value").asDouble()
                : e.getValue().asDouble()));
        return m;
    }

    static double median(List<Double> xs) {
        if (xs.isEmpty()) {
            return Double.NaN;
        }
        double[] a = xs.stream().mapToDouble(Double::doubleValue).toArray();
        Arrays.sort(a);
        return a.length % 2 == 1 ? a[a.length / 2] : (a[a.length / 2 - 1] + a[a.length / 2]) / 2;
    }
}
