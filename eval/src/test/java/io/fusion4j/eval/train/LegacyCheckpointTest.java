package io.fusion4j.eval.train;

import static org.assertj.core.api.Assertions.assertThat;

import io.fusion4j.eval.cli.Main;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.stream.Stream;

/**
 * Guards the dense decoder's files across refactors. {@code src/test/resources/legacy-run} was written by
 * {@code fusion4j train --config train-config.json --data builtin --threads 1} at commit 4837b5d, before the
 * seams for other models: its checkpoints must still load, resume and generate, and the same command today
 * must write byte-identical weights and optimizer moments.
 */
class LegacyCheckpointTest {
    private static final Path LEGACY = Path.of("src/test/resources/legacy-run");

    @TempDir
    Path dir;

    private static String cli(int expectedRc, String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int rc = Main.run(new PrintWriter(out, true), new PrintWriter(err, true), args);
        assertThat(rc).as("fusion4j %s\nout:\n%s\nerr:\n%s", String.join(" ", args), out, err).isEqualTo(expectedRc);
        return out.toString();
    }

    private static void copyTree(Path from, Path to) throws IOException {
        try (Stream<Path> s = Files.walk(from)) {
            for (Path p : s.toList()) {
                Path q = to.resolve(from.relativize(p).toString());
                if (Files.isDirectory(p)) {
                    Files.createDirectories(q);
                } else {
                    Files.copy(p, q, StandardCopyOption.REPLACE_EXISTING);
                }
            }
        }
    }

    @Test
    void todaysCodeWritesTheSameWeightsAsTheLegacyRun() throws Exception {
        Path out = dir.resolve("again");
        cli(0, "train", "--config", LEGACY.resolve("train-config.json").toString(), "--data", "builtin",
                "--out", out.toString(), "--threads", "1");
        assertThat(Files.readAllBytes(out.resolve("tokenizer.txt"))).isEqualTo(Files.readAllBytes(LEGACY.resolve("tokenizer.txt")));
        for (String step : new String[]{"step-00000002", "step-00000004"}) {
            for (String f : new String[]{"model.safetensors", "optimizer.safetensors"}) {
                assertThat(Files.readAllBytes(out.resolve(step).resolve(f))).as(step + "/" + f)
                        .isEqualTo(Files.readAllBytes(LEGACY.resolve(step).resolve(f)));
            }
        }
    }

    @Test
    void aLegacyRunStillGeneratesAndResumes() throws Exception {
        Path run = dir.resolve("legacy");
        copyTree(LEGACY, run);
        String gen = cli(0, "generate", "--run", run.toString(), "--prompt", "The", "--max-tokens", "5");
        assertThat(gen).startsWith("The").containsPattern("\\(\\d+ tokens from .*step-00000004\\)");
        String log = cli(0, "train", "--config", LEGACY.resolve("train-config.json").toString(), "--steps", "6",
                "--data", "builtin", "--out", run.toString(), "--resume", "--allow-config-change", "--threads", "1");
        assertThat(log).contains("resuming with a changed config: steps 4 → 6; warmup 1 → 0")
                .contains("resumed at step 4 from " + run.resolve("step-00000004"));
        assertThat(run.resolve("step-00000006").resolve("model.safetensors")).isRegularFile();
    }
}
