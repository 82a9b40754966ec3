package io.fusion4j.eval.data;

import io.fusion4j.api.text.ByteBpeTokenizer;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * Text made ready for a token model: the documents of a {@link TextSource} (separated by blank lines), encoded by
 * the run's byte-level BPE tokenizer, each followed by {@value #EOS}. The tokenizer is read from the run folder when
 * it has one, else trained on the text and saved there.
 */
public record TextCorpus(ByteBpeTokenizer tokenizer, int[] tokens, int characters) {
    public static final String EOS = "<|eos|>";
    public static final String TOKENIZER_FILE = "tokenizer.txt";

    /**
     * @param runDir  where {@value #TOKENIZER_FILE} is read from or written to
     * @param vocab   the vocabulary size to train a new tokenizer to
     * @param log     progress messages
     */
    public static TextCorpus prepare(String text, Path runDir, int vocab, Consumer<String> log) throws IOException {
        Path tokFile = runDir.resolve(TOKENIZER_FILE);
        ByteBpeTokenizer tok;
        if (Files.exists(tokFile)) {
            tok = ByteBpeTokenizer.load(tokFile);
        } else {
            log.accept(String.format("training a %d-token BPE vocabulary on %,d characters...", vocab, text.length()));
            tok = ByteBpeTokenizer.train(text, vocab - 257, List.of(EOS));
            tok.save(tokFile);
        }
        return new TextCorpus(tok, encode(tok, text), text.length());
    }

    /** Every non-blank document of {@code text}, encoded, each followed by the end-of-sequence token. */
    public static int[] encode(ByteBpeTokenizer tok, String text) {
        int eos = tok.specialId(EOS);
        List<Integer> ids = new ArrayList<>();
        for (String doc : text.split("\n\n")) {
            if (doc.isBlank()) {
                continue;
            }
            for (int id : tok.encode(doc)) {
                ids.add(id);
            }
            ids.add(eos);
        }
        return ids.stream().mapToInt(Integer::intValue).toArray();
    }
}
