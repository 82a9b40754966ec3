package io.fusion4j.eval.suite;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The Transfusion report lays out the judgements of the suite's dataset: built from fixture runs (metrics and
 * evaluations written by hand), a digits suite has no colour columns and a shapes suite has them.
 */
class TransfusionReportScoringTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void aDigitsSuiteReportsDigitAccuracyAndNoColour(@TempDir Path dir) throws Exception {
        String md = report(dir, "mnist");
        assertThat(md).contains("conditional accuracy (the prompted digit)").contains("| variant | guidance | all |")
                .contains("digit classifier trained here on real MNIST").doesNotContain("colour");
        JsonNode sweep = JSON.readTree(dir.resolve(SuiteReport.SUMMARY).toFile()).path("transfusion")
                .path("cfg_sweep").path("transfusion");
        assertThat(sweep).hasSize(2);
        assertThat(sweep.get(1).path("all").asDouble()).isEqualTo(0.4);
        assertThat(sweep.get(1).has("colour")).isFalse();
    }

    @Test
    void aShapesSuiteReportsColourBesideAll(@TempDir Path dir) throws Exception {
        String md = report(dir, "shapes");
        assertThat(md).contains("conditional accuracy (colour, shape and position)")
                .contains("conditional colour accuracy").contains("| variant | guidance | colour | shape | position | all |");
        JsonNode sweep = JSON.readTree(dir.resolve(SuiteReport.SUMMARY).toFile()).path("transfusion")
                .path("cfg_sweep").path("transfusion");
        assertThat(sweep.get(1).path("colour").asDouble()).isEqualTo(0.5);
    }

    /** Writes every run of a smoke transfusion plan on {@code dataset} by hand, then the report; its markdown. */
    private static String report(Path dir, String dataset) throws Exception {
        SuitePlan plan = SuitePlan.of("transfusion", dir, dataset, SuitePreset.SMOKE.budget(), 1, List.of());
        SuiteScoring scoring = SuiteScoring.of(dataset);
        int k = 0;
        for (Variant v : plan.variants()) {
            k++;
            Files.createDirectories(v.run());
            StringBuilder m = new StringBuilder();
            String lm = v.name().equals("chameleon") ? "text" : "lm";
            for (int step = 1; step <= 8; step++) {
                m.append("{\"event\":\"step\",\"step\":").append(step).append(",\"tokens\":1000,\"seconds\":0.1,")
                        .append("\"total_flops\":").append(1e9 * step * v.steps()).append("}\n");
            }
            for (int step : new int[]{4, 8}) {
                m.append("{\"event\":\"validation\",\"step\":").append(step).append(",\"loss\":2,\"terms\":{\"")
                        .append(lm).append("\":{\"value\":").append(2.0 - 0.01 * k - step / 100.0)
                        .append("}},\"total_flops\":").append(1e9 * step * v.steps()).append("}\n");
            }
            Files.writeString(v.run().resolve(RunMetrics.FILE), m);
            ObjectNode e = JSON.createObjectNode();
            ObjectNode img = e.putObject("images").put("n", 6).put("all", 0.1 * (k % 5))
                    .put("classifier_fid", 10.0 - k).put("real_vs_real_fid", 1.0);
            scoring.imageAttributes().forEach(a -> img.put(a, 0.5));
            ObjectNode caps = e.putObject("captions").put("n", 4).put("cider_d", 0.05 * k);
            scoring.captionAttributes().forEach(a -> caps.put(a, 0.25));
            var sweep = e.putArray("cfg_sweep");
            for (double w : new double[]{1, 3}) {
                ObjectNode p = sweep.addObject().put("guidance", w).put("n", 6).put("all", w == 3 ? 0.4 : 0.2);
                scoring.imageAttributes().forEach(a -> p.put(a, 0.5));
            }
            Files.writeString(v.run().resolve(SuiteEvaluation.FILE), e.toString());
        }
        SuiteReport.write(plan, dir, new SuiteSettings("transfusion", "smoke", dataset, 1), List.of(), 12.0);
        return Files.readString(dir.resolve("report.md"));
    }
}
