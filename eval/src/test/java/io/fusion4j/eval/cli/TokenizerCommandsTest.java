package io.fusion4j.eval.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.fusion4j.eval.image.Png;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

/** {@code tokenizer train} and {@code tokenizer show} as a user runs them: both kinds, resume, and bad options. */
class TokenizerCommandsTest extends InProcessCli {
    @Test
    void bothKindsTrainResumeAndShowTheirReconstructions(@TempDir Path dir) throws Exception {
        for (String kind : new String[]{"vq", "vae"}) {
            Path tok = dir.resolve(kind);
            assertThat(run("tokenizer", "train", "--kind", kind, "--dataset", "shapes", "--codes", "256", "--steps",
                    "4", "--batch", "4", "--checkpoint-every", "2", "--out", tok.toString(), "--threads", "1"))
                    .as(err.toString()).isZero();
            assertThat(out.toString()).contains("step 4/4").contains("recon");
            assertThat(tok.resolve("tokenizer.json")).exists();
            assertThat(tok.resolve("tokenizer.safetensors")).exists();
            assertThat(Files.readString(tok.resolve("tokenizer.json"))).contains("\"kind\": \"" + kind + "\"");
            // A finished run resumes to nothing new.
            assertThat(run("tokenizer", "train", "--kind", kind, "--dataset", "shapes", "--codes", "256", "--steps",
                    "4", "--batch", "4", "--checkpoint-every", "2", "--out", tok.toString(), "--threads", "1",
                    "--resume")).as(err.toString()).isZero();
            Path png = dir.resolve(kind + ".png");
            assertThat(run("tokenizer", "show", "--tokenizer", tok.toString(), "--dataset", "shapes", "--n", "4",
                    "--out", png.toString(), "--threads", "1")).as(err.toString()).isZero();
            assertThat(out.toString()).containsIgnoringCase("mse");
            assertThat(Png.read(png).width()).isGreaterThan(4 * 32);
        }
        assertThat(run("tokenizer", "train", "--kind", "gan", "--dataset", "shapes", "--out",
                dir.resolve("x").toString())).isEqualTo(2);
        assertThat(err.toString()).contains("--kind").contains("gan");
        assertThat(run("tokenizer", "show", "--tokenizer", dir.resolve("missing").toString(), "--dataset", "shapes"))
                .isEqualTo(2);
        assertThat(err.toString()).contains("missing");
    }
}
