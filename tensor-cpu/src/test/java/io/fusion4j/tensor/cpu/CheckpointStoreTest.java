package io.fusion4j.tensor.cpu;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fusion4j.api.autograd.Parameters;
import io.fusion4j.api.io.CheckpointStore;
import io.fusion4j.api.io.TrainerState;
import io.fusion4j.api.nn.Decoder;
import io.fusion4j.api.nn.DecoderConfig;
import io.fusion4j.api.nn.NormPlacement;
import io.fusion4j.api.optim.AdamW;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

class CheckpointStoreTest extends CheckpointFixture {
    @Test
    void saveThenLoadRestoresEveryBitAndTheState() throws Exception {
        Model a = model(1);
        CheckpointStore store = new CheckpointStore(dir, 2);
        TrainerState state = new TrainerState(1, 0, 17, -42, 12345);
        Path saved = store.save(be, a.decoder().parameters(), a.opt(), state, "{\"dim\":8}\n");
        assertThat(saved.getFileName().toString()).isEqualTo("step-00000001");
        assertThat(Files.list(saved).map(p -> p.getFileName().toString()).sorted().toList()).containsExactly(
                "config.json", "manifest.json", "model.safetensors", "optimizer.safetensors", "trainer_state.json");

        Model b = model(2);
        assertThat(host(b.decoder().parameters().values())).isNotEqualTo(host(a.decoder().parameters().values()));
        List<String> warnings = new ArrayList<>();
        CheckpointStore.Loaded l = store.loadLatest(be, b.decoder().parameters(), b.opt(), warnings::add);
        assertThat(warnings).isEmpty();
        assertThat(l.state()).isEqualTo(state);
        assertThat(l.configJson()).isEqualTo("{\"dim\":8}\n");
        assertThat(host(b.decoder().parameters().values())).containsExactly(host(a.decoder().parameters().values()));
        assertThat(host(b.opt().firstMoment())).containsExactly(host(a.opt().firstMoment()));
        assertThat(host(b.opt().secondMoment())).containsExactly(host(a.opt().secondMoment()));
        assertThat(b.opt().steps()).isEqualTo(1);
    }

    @Test
    void keepsTheNewestAndFallsBackLoudlyFromACorruptOne() throws Exception {
        CheckpointStore store = new CheckpointStore(dir, 2);
        Model m = model(3);
        Parameters p = m.decoder().parameters();
        store.save(be, p, m.opt(), new TrainerState(1, 0, 0, 1, 0), "{}");
        be.scale(p.values(), 0.5f, p.values());
        float[] atStep2 = host(p.values());
        store.save(be, p, m.opt(), new TrainerState(2, 0, 8, 1, 0), "{}");
        be.scale(p.values(), 0.5f, p.values());
        store.save(be, p, m.opt(), new TrainerState(3, 0, 16, 1, 0), "{}");
        assertThat(store.checkpoints()).extracting(x -> x.getFileName().toString())
                .containsExactly("step-00000003", "step-00000002");
        // A crash mid-write leaves only a temporary folder, which is never taken for a checkpoint.
        Files.createDirectories(dir.resolve(".tmp-step-00000004-123"));
        // Flip one byte of the newest model file.
        Path newest = dir.resolve("step-00000003").resolve("model.safetensors");
        byte[] bytes = Files.readAllBytes(newest);
        bytes[bytes.length - 3] ^= 0x40;
        Files.write(newest, bytes);

        Model fresh = model(9);
        List<String> warnings = new ArrayList<>();
        CheckpointStore.Loaded l = store.loadLatest(be, fresh.decoder().parameters(), fresh.opt(), warnings::add);
        assertThat(l.state().step()).isEqualTo(2);
        assertThat(warnings).singleElement().asString().contains("step-00000003")
                .contains("model.safetensors fails its SHA-256 check");
        assertThat(host(fresh.decoder().parameters().values())).containsExactly(atStep2);

        // With every checkpoint corrupt, loading fails and says why for each.
        Files.delete(dir.resolve("step-00000002").resolve("manifest.json"));
        assertThatThrownBy(() -> store.loadLatest(be, fresh.decoder().parameters(), fresh.opt(), w -> { }))
                .hasMessageContaining("no usable checkpoint").hasMessageContaining("manifest.json is missing")
                .hasMessageContaining("SHA-256");
    }

    @Test
    void aCheckpointOfAnotherShapeIsRefusedWithoutTouchingTheModel() throws Exception {
        CheckpointStore store = new CheckpointStore(dir, 3);
        Model m = model(4);
        store.save(be, m.decoder().parameters(), m.opt(), new TrainerState(5, 0, 0, 0, 0), "{}");
        DecoderConfig wider = new DecoderConfig(13, 16, 1, 2, 12, 10000f, 1e-5f, NormPlacement.PRE, false, 0f, 0.1f);
        Decoder other = new Decoder(wider);
        other.parameters().allocate(be, 8);
        float[] before = host(other.parameters().values());
        AdamW opt = new AdamW(be, other.parameters(), 0.9f, 0.95f, 1e-8f, 0f, 0);
        assertThatThrownBy(() -> store.load(dir.resolve("step-00000005"), be, other.parameters(), opt))
                .hasMessageContaining("tensor 'tok_embeddings' has shape [13, 8], the model expects [13, 16]");
        assertThat(host(other.parameters().values())).containsExactly(before);
        assertThatThrownBy(() -> new CheckpointStore(dir, 1)).hasMessageContaining("at least 2");
    }
}
