package io.fusion4j.eval.train;

import static org.assertj.core.api.Assertions.assertThat;

import io.fusion4j.eval.data.BuiltinCorpus;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

/** --resume continues the saved run; options that would change it are refused, or allowed by name. */
class ResumeTest {
    @TempDir
    Path dir;


    @Test
    void resumeKeepsTheSavedRunAndRefusesChangesItWasNotToldToAllow() throws Exception {
        Path data = dir.resolve("corpus.txt");
        Files.writeString(data, BuiltinCorpus.generate(7, 300));
        Path run = dir.resolve("run");
        String[] base = {"train", "--out", run.toString(), "--threads", "1", "--data", data.toString()};
        CliRun.Result first = CliRun.run(CliRun.concat(base, "--steps", "4", "--stop-at", "2"));
        assertThat(first.rc()).as(first.err()).isZero();

        CliRun.Result changed = CliRun.run(CliRun.concat(base, "--resume", "--steps", "6"));
        assertThat(changed.rc()).isEqualTo(2);
        assertThat(changed.err().strip()).doesNotContain("\n").startsWith("fusion4j: --resume: the options change the run in "
                + run + ": steps 4 → 6").contains("--allow-config-change");

        CliRun.Result otherModel = CliRun.run(CliRun.concat(base, "--resume", "--preset", "dense"));
        assertThat(otherModel.rc()).isEqualTo(2);
        assertThat(otherModel.err()).contains("--resume: different model: the run in " + run + " has model.dim 128 → 256");

        Path other = dir.resolve("other.txt");
        Files.writeString(other, BuiltinCorpus.generate(8, 300));
        String[] otherData = {"train", "--out", run.toString(), "--threads", "1", "--data", other.toString()};
        CliRun.Result newData = CliRun.run(CliRun.concat(otherData, "--resume"));
        assertThat(newData.rc()).isEqualTo(2);
        assertThat(newData.err()).contains("--resume: the data changed: the run in " + run + " trained on " + data)
                .contains("this data is " + other);

        CliRun.Result asSaved = CliRun.run(CliRun.concat(base, "--resume"));
        assertThat(asSaved.rc()).as(asSaved.err()).isZero();
        assertThat(asSaved.out()).contains("resumed at step 2").contains("finished at step 4");
        assertThat(run.resolve("step-00000004")).isDirectory();
    }

}
