package io.fusion4j.eval.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Set;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/** The README's main command end to end at its smoke budget, then its resume and the report rebuilt alone. */
class EvalSmokeTest extends InProcessCli {
    @Test
    void theSmokeSuiteTrainsScoresAndReportsThenResumesWithNothingToDo(@TempDir Path dir) throws Exception {
        Path out = dir.resolve("eval");
        int rc = run("eval", "--suite", "all", "--preset", "smoke", "--out", out.toString(), "--threads", "2");
        assertThat(rc).as(err.toString() + out).isZero();
        String md = Files.readString(out.resolve("report.md"));
        for (String section : new String[]{"## Summary", "## MoMa: loss vs FLOPs", "## MoMa: FLOPs savings",
                "## MoMa: throughput", "## MoMa: causal inference", "## MoMa: routing",
                "## Transfusion: text, images and captions vs FLOPs", "## Transfusion: parity with Chameleon",
                "## Transfusion: ablations", "## Transfusion: guidance", "## Transfusion: samples",
                "## How it was run"}) {
            assertThat(md).contains(section);
        }
        assertThat(md).contains("paper 1.4B").contains("fusion4j train --config");
        // Routing inspected on held-out rows: per-modality heatmaps and the MoD routing-error sweep.
        assertThat(md).contains("MoD routing-error sweep").contains("fusion4j inspect-routing");
        for (String plot : new String[]{"moma-routing-moe-8x-text.png", "moma-routing-moe-8x-image.png",
                "moma-routing-mod-moma-4t4i-image.png", "moma-mod-routing-errors.png"}) {
            assertThat(out.resolve("plots").resolve(plot)).as(plot).isRegularFile();
        }
        String html = Files.readString(out.resolve("report.html"));
        assertThat(html).contains("data:image/png;base64,").doesNotContain("src=\"http");
        // Every plot is a real chart: many colours, not a blank canvas.
        try (Stream<Path> plots = Files.list(out.resolve("plots"))) {
            for (Path p : plots.filter(f -> f.toString().endsWith(".png")).toList()) {
                BufferedImage im = ImageIO.read(p.toFile());
                Set<Integer> colours = new HashSet<>();
                for (int y = 0; y < im.getHeight(); y += 3) {
                    for (int x = 0; x < im.getWidth(); x += 3) {
                        colours.add(im.getRGB(x, y));
                    }
                }
                assertThat(colours.size()).as(p.toString()).isGreaterThan(8);
            }
        }
        JsonNode summary = new ObjectMapper().readTree(Files.readString(out.resolve("summary.json")));
        assertThat(summary.path("verdicts").size()).isGreaterThan(5);
        JsonNode sweep = summary.path("moma").path("causal").path("mod_routing_errors");
        assertThat(sweep.size()).isEqualTo(5);
        assertThat(sweep.get(4).path("fraction").asDouble()).isEqualTo(0.02);
        assertThat(sweep.get(4).path("lm").asDouble()).isPositive();
        for (JsonNode v : summary.path("verdicts")) {
            assertThat(v.path("outcome").asText()).isIn("REPRODUCED", "REVERSED", "NO_SIGNIFICANT_DIFFERENCE",
                    "SINGLE_SEED");
        }
        JsonNode tf = new ObjectMapper().readTree(Files.readString(out.resolve(
                "transfusion/transfusion-60-s1/evaluation.json")));
        double acc = tf.path("images").path("colour").asDouble(-1);
        assertThat(acc).isBetween(0.0, 1.0);
        assertThat(tf.path("images").path("real_vs_real_fid").asDouble()).isGreaterThan(0);

        // The same command again: every step and every score is found done.
        rc = run("eval", "--suite", "all", "--preset", "smoke", "--out", out.toString(), "--threads", "2");
        assertThat(rc).as(err.toString()).isZero();
        assertThat(this.out.toString()).doesNotContain("$ fusion4j train").contains("done (skipped)")
                .contains("scored (skipped)");
        JsonNode again = new ObjectMapper().readTree(Files.readString(out.resolve(
                "transfusion/transfusion-60-s1/evaluation.json")));
        assertThat(again).isEqualTo(tf);
        // Both invocations' wall time is in the report: the first trained, the second found everything done.
        JsonNode machine = new ObjectMapper().readTree(Files.readString(out.resolve("summary.json"))).path("machine");
        assertThat(machine.path("invocations").asInt()).isEqualTo(2);
        assertThat(machine.path("wall_seconds_all_invocations").asDouble())
                .isGreaterThan(machine.path("wall_seconds").asDouble() + 30);
        assertThat(Files.readString(out.resolve("report.md"))).contains("(2 invocations)");

        // Other settings into the same folder are refused, naming both.
        rc = run("eval", "--suite", "all", "--preset", "quick", "--out", out.toString());
        assertThat(rc).isEqualTo(2);
        assertThat(err.toString()).contains("holds an evaluation made with --suite all --preset smoke");

        // report alone rebuilds the same tables from the files.
        Files.delete(out.resolve("report.md"));
        rc = run("report", "--out", out.toString());
        assertThat(rc).as(err.toString()).isZero();
        String rebuilt = Files.readString(out.resolve("report.md"));
        assertThat(rebuilt).contains("## MoMa: FLOPs savings").contains("## Transfusion: ablations");
    }
}
