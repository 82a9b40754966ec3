package io.fusion4j.eval.train;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fusion4j.api.nn.DecoderConfig;
import io.fusion4j.api.train.TrainConfig;
import io.fusion4j.eval.config.ConfigJson;
import io.fusion4j.eval.config.RunConfig;
import io.fusion4j.moma.MomaConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * {@code inspect-routing} on a mixture-of-depths MoMa run: the token counts follow from the capacities (each held-out
 * row keeps half its tokens in the MoD layer, the text experts split what reaches them, the image experts see no text),
 * and the routing-error sweep starts at exactly the batch-routing loss and moves once decisions are flipped.
 */
class InspectRoutingCommandTest {
    @TempDir
    Path dir;

    @Test
    void countsFollowTheCapacitiesAndTheSweepStartsAtTheBatchLoss() throws Exception {
        ModMomaRun mod = ModMomaRun.train(dir);
        Path run = mod.run();
        Path rows = mod.rows();
        DecoderConfig base = mod.base();
        TrainConfig train = mod.train();

        CliRun.Result bad = CliRun.run("inspect-routing", "--run", run.toString(), "--tokens", rows.toString(),
                "--flips", "0,1.5", "--threads", "1");
        assertThat(bad.rc()).isEqualTo(2);
        assertThat(bad.err()).contains("--flips").contains("[0, 1], found 1.5");

        CliRun.Result r = CliRun.run("inspect-routing", "--run", run.toString(), "--tokens", rows.toString(),
                "--held-out", "2", "--threads", "1");
        assertThat(r.rc()).as(r.err()).isZero();
        assertThat(r.out()).contains("depth decisions flipped").contains("wrote");
        JsonNode rec = new ObjectMapper().readTree(run.resolve("routing.json").toFile());
        int micro = train.batch() / train.microBatches();
        long positions = 2L * micro * 32;
        assertThat(rec.get("held_out_rows").asInt()).isEqualTo(2 * micro);
        assertThat(rec.get("tokens").get("text").asLong()).isEqualTo(positions);
        assertThat(rec.get("tokens").get("image").asLong()).isZero();

        JsonNode routers = rec.get("routers");
        assertThat(routers.fieldNames()).toIterable()
                .containsExactly("layers.0.depth", "layers.0.ffn.routing", "layers.1.ffn.routing");
        // MoD at capacity 0.5 keeps 16 of each row's 32 tokens.
        assertThat(routers.get("layers.0.depth").get(0).get("text").asLong()).isEqualTo(positions / 2);
        // Expert choice at capacity 1 in the text group of 2: each text expert takes half of what reaches the layer.
        for (String layer : new String[]{"layers.0.ffn.routing", "layers.1.ffn.routing"}) {
            long reach = layer.startsWith("layers.0") ? positions / 2 : positions;
            JsonNode e = routers.get(layer);
            assertThat(e).hasSize(4);
            assertThat(e.get(0).get("text").asLong()).as(layer).isEqualTo(reach / 2);
            assertThat(e.get(1).get("text").asLong()).as(layer).isEqualTo(reach / 2);
            for (int x = 2; x < 4; x++) {
                assertThat(e.get(x).get("text").asLong()).as("%s: image expert %d", layer, x).isZero();
                assertThat(e.get(x).get("image").asLong()).as("%s: image expert %d", layer, x).isZero();
            }
        }

        JsonNode flips = rec.get("flips");
        assertThat(flips).hasSize(5);
        double batch = rec.get("batch").get("lm").asDouble();
        assertThat(flips.get(0).get("fraction").asDouble()).isZero();
        assertThat(flips.get(0).get("lm").asDouble()).as("no flip is batch routing").isEqualTo(batch);
        assertThat(flips.get(4).get("fraction").asDouble()).isEqualTo(0.02);
        assertThat(flips.get(4).get("lm").asDouble()).as("2% of the depth decisions flipped").isNotEqualTo(batch);
        // Text-only rows: the image term counted nothing and says so.
        assertThat(rec.get("batch").get("image").asDouble()).isNaN();
        assertThat(rec.get("rows").asText()).isEqualTo(rows.toString());

        // A run without routers has nothing to inspect, and says so.
        Path denseCfg = dir.resolve("dense.json");
        Files.writeString(denseCfg, ConfigJson.write(new RunConfig(new MomaConfig(base, 1, null, null), train)));
        Path dense = dir.resolve("dense");
        CliRun.Result dt = CliRun.run("train", "--config", denseCfg.toString(), "--out", dense.toString(), "--threads",
                "1");
        assertThat(dt.rc()).as(dt.err()).isZero();
        CliRun.Result none = CliRun.run("inspect-routing", "--run", dense.toString(), "--tokens", rows.toString(),
                "--held-out", "1", "--threads", "1");
        assertThat(none.rc()).isEqualTo(2);
        assertThat(none.err()).contains("no routed layer").doesNotContain("internal error");
        assertThat(dense.resolve("routing.json")).doesNotExist();
    }
}
