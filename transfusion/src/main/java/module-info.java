/**
 * Transfusion: one transformer with next-token loss on text and a diffusion loss on continuous image patches, and the
 * samplers that denoise an image span in place (Zhou et al. 2024; spec in docs/model.md).
 */
module io.fusion4j.transfusion {
    requires transitive io.fusion4j.api;
    requires io.fusion4j.moma;

    exports io.fusion4j.transfusion;
    exports io.fusion4j.transfusion.diffusion;
    exports io.fusion4j.transfusion.vae;
}
