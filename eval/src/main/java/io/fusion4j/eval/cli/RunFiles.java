package io.fusion4j.eval.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.fusion4j.eval.train.TrainConfig;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** The files of a run folder besides its checkpoints: the training config as JSON and the tokenizer. */
final class RunFiles {
    static final String TOKENIZER = "tokenizer.txt";
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private RunFiles() {
    }

    static String toJson(TrainConfig c) {
        try {
            return JSON.writeValueAsString(c) + "\n";
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    static TrainConfig fromJson(String json, String where) {
        try {
            return JSON.readValue(json, TrainConfig.class);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalArgumentException(where + ": not a training config: " + e.getOriginalMessage());
        }
    }

    static TrainConfig readConfig(Path file) throws IOException {
        if (!Files.isRegularFile(file)) {
            throw new IllegalArgumentException("--config: no such file " + file);
        }
        return fromJson(Files.readString(file), file.toString());
    }
}
