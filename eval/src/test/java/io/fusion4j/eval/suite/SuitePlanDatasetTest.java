package io.fusion4j.eval.suite;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** The plan adapts to the dataset: the options each command reads it with, and which patch ablations exist. */
class SuitePlanDatasetTest {
    private static List<String> variants(Path dir, String dataset) throws Exception {
        return SuitePlan.of("transfusion", dir, dataset, SuitePreset.QUICK.budget(), 1, List.of()).variants().stream()
                .map(Variant::name).distinct().toList();
    }

    @Test
    void patchAblationsRunWhereTheLatentGridTakesThem(@TempDir Path dir) throws Exception {
        // shapes: 32 px, an 8x8 latent, default 2x2 patches, so 1x1 and 4x4 are the ablations.
        assertThat(variants(dir.resolve("s"), "shapes")).contains("patch-1", "patch-4");
        // MNIST: 28 px, a 7x7 latent that only 1x1 patches divide, which is its default: no patch ablation.
        assertThat(variants(dir.resolve("m"), "mnist")).doesNotContain("patch-1", "patch-4").contains("unet");
    }

    @Test
    void everyCommandReadsEmojiAtThirtyTwoPixels(@TempDir Path dir) throws Exception {
        SuitePlan plan = SuitePlan.of("all", dir, "emoji", SuitePreset.QUICK.budget(), 1, List.of());
        int reading = 0;
        for (SuiteStep s : plan.steps()) {
            for (List<String> c : s.commands()) {
                int i = c.indexOf("--dataset");
                if (i >= 0) {
                    reading++;
                    assertThat(c.subList(i, i + 4)).as(String.join(" ", c)).containsExactly("--dataset", "emoji",
                            "--size", "32");
                }
            }
        }
        assertThat(reading).as("commands that read the dataset").isGreaterThan(10);
        SuitePlan shapes = SuitePlan.of("all", dir.resolve("s"), "shapes", SuitePreset.QUICK.budget(), 1, List.of());
        assertThat(shapes.steps().stream().flatMap(s -> s.commands().stream()).filter(c -> c.contains("--dataset")))
                .allSatisfy(c -> assertThat(c).doesNotContain("--size"));
    }
}
