package io.fusion4j.eval.train;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fusion4j.api.backend.Backends;
import io.fusion4j.api.backend.Precision;
import io.fusion4j.eval.cli.Main;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.TreeMap;

/**
 * bf16 matrix products learn what fp32 learns: the default model on the built-in corpus, 200 steps with the same
 * seed, once per precision. Stated tolerance: at every step the bf16 training loss is within 3% of the fp32 one, the
 * mean difference over the run is under 0.02 nats, and the final held-out losses are within 1% (measured here:
 * 1.55%, 0.0045 nats and 0.23%). Skipped where no backend computes bf16 (libdnnl 2.x and AVX512-BF16 or AMX needed).
 */
class Bf16LearningCurveTest {
    private static final int STEPS = 200;

    @TempDir
    Path dir;

    @Test
    void aBf16RunFollowsTheFp32LossCurve() throws Exception {
        var bf16 = Backends.discover().providers().stream().filter(p -> p.probe(Precision.BF16).available()).findFirst();
        Assumptions.assumeTrue(bf16.isPresent(), "no backend computes bf16 matrix products here: "
                + Backends.discover().providers().stream().map(p -> p.name() + ": " + p.probe(Precision.BF16).reason()).toList());
        Path fp32 = dir.resolve("fp32");
        Path b16 = dir.resolve("bf16");
        train(fp32, "fp32");
        train(b16, "bf16");
        assertThat(Files.readString(b16.resolve("step-00000200").resolve("config.json"))).contains("\"precision\" : \"bf16\"");
        assertThat(Files.readString(fp32.resolve("step-00000200").resolve("config.json"))).contains("\"precision\" : \"fp32\"");

        TreeMap<Integer, Double> a = losses(fp32, "step");
        TreeMap<Integer, Double> b = losses(b16, "step");
        assertThat(a.keySet()).hasSize(STEPS).isEqualTo(b.keySet());
        double sum = 0;
        for (int s : a.keySet()) {
            double d = Math.abs(a.get(s) - b.get(s));
            assertThat(d).as("step %d: fp32 %.4f, bf16 %.4f", s, a.get(s), b.get(s)).isLessThanOrEqualTo(0.03 * a.get(s));
            sum += d;
        }
        assertThat(sum / STEPS).as("mean |loss difference| over the run").isLessThan(0.02);
        // Not the same run twice: bf16 rounding moves the curve.
        assertThat(sum).isGreaterThan(0);
        double va = losses(fp32, "validation").lastEntry().getValue();
        double vb = losses(b16, "validation").lastEntry().getValue();
        assertThat(Math.abs(va - vb)).as("final held-out loss: fp32 %.4f, bf16 %.4f", va, vb).isLessThan(0.01 * va);
        // And both learned: the first loss is ~ln(vocab), the last well below it.
        assertThat(b.lastEntry().getValue()).isLessThan(0.5 * b.firstEntry().getValue());
    }

    private static void train(Path out, String precision) {
        StringWriter o = new StringWriter();
        StringWriter e = new StringWriter();
        int rc = Main.run(new PrintWriter(o, true), new PrintWriter(e, true), "train", "--steps", String.valueOf(STEPS),
                "--out", out.toString(), "--threads", "2", "--precision", precision);
        assertThat(rc).as("train --precision %s\nout:\n%s\nerr:\n%s", precision, o, e).isZero();
    }

    /** Step → loss of the {@code event} lines ("step" or "validation") of a run's metrics.jsonl. */
    private static TreeMap<Integer, Double> losses(Path run, String event) throws Exception {
        ObjectMapper json = new ObjectMapper();
        TreeMap<Integer, Double> out = new TreeMap<>();
        for (String line : Files.readAllLines(run.resolve("metrics.jsonl"))) {
            JsonNode n = json.readTree(line);
            if (event.equals(n.path("event").asText())) {
                out.put(n.get("step").asInt(), n.get("loss").asDouble());
            }
        }
        assertThat(out).as("%s lines in %s", event, run).isNotEmpty();
        return out;
    }
}
