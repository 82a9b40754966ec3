package io.fusion4j.eval.train;

import static org.assertj.core.api.Assertions.assertThat;

import io.fusion4j.eval.data.BuiltinCorpus;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

/** Every file a run needs travels in its checkpoints, verified; nothing a failed run left is reused silently. */
class RunFolderTest {
    @TempDir
    Path dir;


    @Test
    void theTokenizerIsPartOfEveryVerifiedCheckpoint() throws Exception {
        Path data = dir.resolve("corpus.txt");
        Files.writeString(data, BuiltinCorpus.generate(7, 300));
        Path run = dir.resolve("run");
        String[] train = {"train", "--out", run.toString(), "--threads", "1", "--data", data.toString(), "--steps", "2"};
        assertThat(CliRun.run(CliRun.concat(train, "--stop-at", "1")).rc()).isZero();
        assertThat(CliRun.run(CliRun.concat(train, "--resume")).rc()).isZero();
        String[] gen = {"generate", "--run", run.toString(), "--max-tokens", "5"};
        CliRun.Result before = CliRun.run(gen);
        assertThat(before.rc()).as(before.err()).isZero();
        String tokenizer = Files.readString(run.resolve("tokenizer.txt"));
        assertThat(Files.readString(run.resolve("step-00000002").resolve("tokenizer.txt"))).isEqualTo(tokenizer);
        assertThat(Files.readString(run.resolve("step-00000002").resolve("manifest.json"))).contains("\"tokenizer.txt\"");

        CliRun.Result tooLong = CliRun.run("generate", "--run", run.toString(), "--max-tokens", "500");
        assertThat(tooLong.rc()).isEqualTo(2);
        assertThat(tooLong.err()).contains("--max-tokens: the prompt (").contains("exceed the 64-token context");

        // The run folder's copy damaged: generation uses the checkpoint's verified copy and says the same.
        Files.writeString(run.resolve("tokenizer.txt"), "garbage");
        CliRun.Result damaged = CliRun.run(gen);
        assertThat(damaged.rc()).as(damaged.err()).isZero();
        assertThat(damaged.out()).isEqualTo(before.out());

        // The newest checkpoint's copy damaged: that checkpoint is skipped loudly for the previous one.
        Path newest = run.resolve("step-00000002").resolve("tokenizer.txt");
        byte[] b = Files.readAllBytes(newest);
        b[b.length / 2] ^= 1;
        Files.write(newest, b);
        CliRun.Result skipped = CliRun.run(gen);
        assertThat(skipped.rc()).as(skipped.err()).isZero();
        assertThat(skipped.out()).contains("WARNING: checkpoint " + run.resolve("step-00000002") + " was skipped")
                .contains("tokenizer.txt").contains("tokens from " + run.resolve("step-00000001"));
    }

    @Test
    void preTokenizedRowsTrainWithoutATokenizer() throws Exception {
        java.util.SplittableRandom r = new java.util.SplittableRandom(3);
        io.fusion4j.api.io.SafetensorsWriter w = new io.fusion4j.api.io.SafetensorsWriter().metadata("vocab", "40");
        w.addI32(io.fusion4j.eval.data.TokenRows.TOKENS, io.fusion4j.api.tensor.Shape.of(32, 17),
                r.ints(32L * 17, 0, 40).toArray());
        Path rows = dir.resolve("rows.safetensors");
        w.write(rows);
        Path run = dir.resolve("tokens-run");
        CliRun.Result t = CliRun.run("train", "--tokens", rows.toString(), "--out", run.toString(), "--steps", "3",
                "--threads", "1");
        assertThat(t.rc()).as(t.err()).isZero();
        assertThat(t.out()).contains("data: 32 pre-tokenized rows of 16 from " + rows).contains("vocab=40")
                .contains("finished at step 3");
        assertThat(run.resolve("step-00000003").resolve("data.json")).isRegularFile();
        assertThat(run.resolve("tokenizer.txt")).doesNotExist();
        CliRun.Result both = CliRun.run("train", "--tokens", rows.toString(), "--data", "builtin", "--out",
                dir.resolve("x").toString());
        assertThat(both.rc()).isEqualTo(2);
        assertThat(both.err()).contains("--tokens and --data both name training data");
    }

    @Test
    void aTokenizerLeftByAFailedRunIsNotReused() throws Exception {
        Path run = Files.createDirectories(dir.resolve("run"));
        Path data = dir.resolve("corpus.txt");
        Files.writeString(data, BuiltinCorpus.generate(7, 300));
        // What a first run that died before its first checkpoint leaves: a tokenizer, but from other text.
        Files.writeString(dir.resolve("other.txt"), "zzzz yyyy xxxx zzzz yyyy ".repeat(400));
        Path other = dir.resolve("other");
        assertThat(CliRun.run("train", "--out", other.toString(), "--threads", "1", "--data", dir.resolve("other.txt")
                .toString(), "--steps", "1").rc()).isZero();
        Files.copy(other.resolve("tokenizer.txt"), run.resolve("tokenizer.txt"));
        CliRun.Result r = CliRun.run("train", "--out", run.toString(), "--threads", "1", "--data", data.toString(), "--steps", "1");
        assertThat(r.rc()).as(r.err()).isZero();
        assertThat(r.out()).contains("training a 512-token BPE vocabulary");
        assertThat(Files.readString(run.resolve("tokenizer.txt"))).isNotEqualTo(Files.readString(other.resolve(
                "tokenizer.txt")));
    }

}
