
SET statement_timeout = 0;
SET lock_timeout = 0;
SET idle_in_transaction_session_timeout = 0;
SET client_encoding = 'UTF8';
SET standard_conforming_strings = on;
SELECT pg_catalog.set_config('search_path', '', false);
SET check_function_bodies = false;
SET xmloption = content;
SET client_min_messages = warning;
SET row_security = off;

CREATE SCHEMA dk_legacy;

SET default_tablespace = '';

SET default_table_access_method = heap;

CREATE TABLE dk_legacy.dk_conversations (
    id text NOT NULL COLLATE pg_catalog."C",
    metadata jsonb NOT NULL,
    current_node_id text,
    version integer NOT NULL,
    node_count integer NOT NULL,
    created_at bigint NOT NULL,
    updated_at bigint NOT NULL,
    CONSTRAINT dk_conversations_metadata_check CHECK ((jsonb_typeof(metadata) = 'object'::text))
);

CREATE TABLE dk_legacy.dk_nodes (
    seq bigint NOT NULL,
    conversation_id text NOT NULL COLLATE pg_catalog."C",
    parent_seq bigint,
    "position" integer NOT NULL,
    node_key text NOT NULL COLLATE pg_catalog."C",
    role text NOT NULL,
    content text NOT NULL,
    name text,
    tool_call_id text,
    tool_calls jsonb,
    metadata jsonb NOT NULL,
    prompt_name text,
    branch_name text,
    created_at bigint NOT NULL,
    content_tsv tsvector GENERATED ALWAYS AS (to_tsvector('simple'::regconfig, "left"(content, 200000))) STORED,
    CONSTRAINT dk_nodes_role_check CHECK ((role = ANY (ARRAY['system'::text, 'user'::text, 'assistant'::text, 'tool'::text])))
);

ALTER TABLE dk_legacy.dk_nodes ALTER COLUMN seq ADD GENERATED ALWAYS AS IDENTITY (
    SEQUENCE NAME dk_legacy.dk_nodes_seq_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1
);

CREATE TABLE dk_legacy.dk_schema_migrations (
    version integer NOT NULL,
    name text NOT NULL,
    applied_at bigint NOT NULL
);

CREATE TABLE dk_legacy.dk_search_chunks (
    seq bigint NOT NULL,
    collection text NOT NULL,
    chunk_id text NOT NULL,
    document_id text NOT NULL,
    chunk_index integer NOT NULL,
    content text NOT NULL,
    metadata jsonb NOT NULL,
    tsv tsvector NOT NULL,
    token_count integer NOT NULL
);

CREATE SEQUENCE dk_legacy.dk_search_chunks_seq_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;

ALTER SEQUENCE dk_legacy.dk_search_chunks_seq_seq OWNED BY dk_legacy.dk_search_chunks.seq;

CREATE TABLE dk_legacy.dk_search_migrations (
    version integer NOT NULL,
    applied_at timestamp with time zone DEFAULT now() NOT NULL
);

CREATE TABLE dk_legacy.dk_search_stats (
    collection text NOT NULL,
    chunk_count bigint NOT NULL,
    token_total bigint NOT NULL
);

ALTER TABLE ONLY dk_legacy.dk_search_chunks ALTER COLUMN seq SET DEFAULT nextval('dk_legacy.dk_search_chunks_seq_seq'::regclass);

INSERT INTO dk_legacy.dk_conversations (id, metadata, current_node_id, version, node_count, created_at, updated_at) VALUES ('legacy-a', '{"tier": "gold", "userId": "u7"}', '0.0', 4, 4, 1735725600000, 1796291567815);
INSERT INTO dk_legacy.dk_conversations (id, metadata, current_node_id, version, node_count, created_at, updated_at) VALUES ('legacy-b', '{"userId": "u8"}', '', 2, 1, 1735812000000, 1796291567820);

INSERT INTO dk_legacy.dk_nodes (seq, conversation_id, parent_seq, "position", node_key, role, content, name, tool_call_id, tool_calls, metadata, prompt_name, branch_name, created_at) OVERRIDING SYSTEM VALUE VALUES (1, 'legacy-a', NULL, 0, '', 'system', 'Be brief.', NULL, NULL, NULL, '{}', NULL, NULL, 1796291567789);
INSERT INTO dk_legacy.dk_nodes (seq, conversation_id, parent_seq, "position", node_key, role, content, name, tool_call_id, tool_calls, metadata, prompt_name, branch_name, created_at) OVERRIDING SYSTEM VALUE VALUES (2, 'legacy-a', 1, 0, '0', 'user', 'Where is my parcel?', NULL, NULL, NULL, '{"channel": "web"}', NULL, NULL, 1796291567799);
INSERT INTO dk_legacy.dk_nodes (seq, conversation_id, parent_seq, "position", node_key, role, content, name, tool_call_id, tool_calls, metadata, prompt_name, branch_name, created_at) OVERRIDING SYSTEM VALUE VALUES (3, 'legacy-a', 2, 0, '0.0', 'assistant', 'It left the depot today.', NULL, NULL, '[{"id": "c1", "name": "track", "arguments": {"parcel": 42}}]', '{}', NULL, NULL, 1796291567808);
INSERT INTO dk_legacy.dk_nodes (seq, conversation_id, parent_seq, "position", node_key, role, content, name, tool_call_id, tool_calls, metadata, prompt_name, branch_name, created_at) OVERRIDING SYSTEM VALUE VALUES (4, 'legacy-a', 1, 1, '1', 'user', 'Actually, cancel my order.', NULL, NULL, NULL, '{}', NULL, NULL, 1796291567815);
INSERT INTO dk_legacy.dk_nodes (seq, conversation_id, parent_seq, "position", node_key, role, content, name, tool_call_id, tool_calls, metadata, prompt_name, branch_name, created_at) OVERRIDING SYSTEM VALUE VALUES (5, 'legacy-b', NULL, 0, '', 'user', 'Hello walrus', NULL, NULL, NULL, '{}', 'greet', 'main', 1796291567820);

INSERT INTO dk_legacy.dk_schema_migrations (version, name, applied_at) VALUES (1, 'conversations and nodes', 1796291567752);
INSERT INTO dk_legacy.dk_schema_migrations (version, name, applied_at) VALUES (2, 'full-text search and metadata index', 1796291567765);

INSERT INTO dk_legacy.dk_search_chunks (seq, collection, chunk_id, document_id, chunk_index, content, metadata, tsv, token_count) VALUES (1, 'docs', 'walrus#0', 'walrus', 0, 'The walrus has long tusks.', '{"type": "animal", "chunkIndex": 0, "documentId": "walrus"}', '''long'':4 ''tusk'':5 ''walrus'':2', 3);
INSERT INTO dk_legacy.dk_search_chunks (seq, collection, chunk_id, document_id, chunk_index, content, metadata, tsv, token_count) VALUES (2, 'docs', 'walrus#1', 'walrus', 1, 'Walrus tusks are used to haul out onto ice.', '{"type": "animal", "chunkIndex": 1, "documentId": "walrus"}', '''haul'':6 ''ice'':9 ''onto'':8 ''tusk'':2 ''use'':4 ''walrus'':1', 6);
INSERT INTO dk_legacy.dk_search_chunks (seq, collection, chunk_id, document_id, chunk_index, content, metadata, tsv, token_count) VALUES (3, 'docs', 'narwhal#0', 'narwhal', 0, 'The narwhal has one long tusk.', '{"type": "animal", "chunkIndex": 0, "documentId": "narwhal"}', '''long'':5 ''narwhal'':2 ''one'':4 ''tusk'':6', 4);
INSERT INTO dk_legacy.dk_search_chunks (seq, collection, chunk_id, document_id, chunk_index, content, metadata, tsv, token_count) VALUES (4, 'docs', 'kafka#0', 'kafka', 0, 'Kafka brokers keep partitions of topics.', '{"type": "software", "chunkIndex": 0, "documentId": "kafka"}', '''broker'':2 ''kafka'':1 ''keep'':3 ''partit'':4 ''topic'':6', 5);
INSERT INTO dk_legacy.dk_search_chunks (seq, collection, chunk_id, document_id, chunk_index, content, metadata, tsv, token_count) VALUES (5, 'notes', 'n1#0', 'n1', 0, 'walrus notes for later', '{"chunkIndex": 0, "documentId": "n1"}', '''later'':4 ''note'':2 ''walrus'':1', 3);

INSERT INTO dk_legacy.dk_search_migrations (version, applied_at) VALUES (1, '2026-12-03 09:52:47.831283+00');
INSERT INTO dk_legacy.dk_search_migrations (version, applied_at) VALUES (2, '2026-12-03 09:52:47.831283+00');

INSERT INTO dk_legacy.dk_search_stats (collection, chunk_count, token_total) VALUES ('docs', 4, 18);
INSERT INTO dk_legacy.dk_search_stats (collection, chunk_count, token_total) VALUES ('notes', 1, 3);

SELECT pg_catalog.setval('dk_legacy.dk_nodes_seq_seq', 5, true);

SELECT pg_catalog.setval('dk_legacy.dk_search_chunks_seq_seq', 5, true);

ALTER TABLE ONLY dk_legacy.dk_conversations
    ADD CONSTRAINT dk_conversations_pkey PRIMARY KEY (id);

ALTER TABLE ONLY dk_legacy.dk_nodes
    ADD CONSTRAINT dk_nodes_pkey PRIMARY KEY (seq);

ALTER TABLE ONLY dk_legacy.dk_schema_migrations
    ADD CONSTRAINT dk_schema_migrations_pkey PRIMARY KEY (version);

ALTER TABLE ONLY dk_legacy.dk_search_chunks
    ADD CONSTRAINT dk_search_chunks_collection_chunk_id_key UNIQUE (collection, chunk_id);

ALTER TABLE ONLY dk_legacy.dk_search_chunks
    ADD CONSTRAINT dk_search_chunks_pkey PRIMARY KEY (seq);

ALTER TABLE ONLY dk_legacy.dk_search_migrations
    ADD CONSTRAINT dk_search_migrations_pkey PRIMARY KEY (version);

ALTER TABLE ONLY dk_legacy.dk_search_stats
    ADD CONSTRAINT dk_search_stats_pkey PRIMARY KEY (collection);

CREATE INDEX dk_conversations_created_at ON dk_legacy.dk_conversations USING btree (created_at, id);

CREATE INDEX dk_conversations_metadata ON dk_legacy.dk_conversations USING gin (metadata jsonb_path_ops);

CREATE INDEX dk_conversations_updated_at ON dk_legacy.dk_conversations USING btree (updated_at, id);

CREATE UNIQUE INDEX dk_nodes_children ON dk_legacy.dk_nodes USING btree (parent_seq, "position");

CREATE INDEX dk_nodes_content_tsv ON dk_legacy.dk_nodes USING gin (content_tsv);

CREATE INDEX dk_nodes_conversation ON dk_legacy.dk_nodes USING btree (conversation_id, seq);

CREATE UNIQUE INDEX dk_nodes_key ON dk_legacy.dk_nodes USING btree (conversation_id, node_key);

CREATE UNIQUE INDEX dk_nodes_root ON dk_legacy.dk_nodes USING btree (conversation_id) WHERE (parent_seq IS NULL);

CREATE INDEX dk_search_chunks_document ON dk_legacy.dk_search_chunks USING btree (collection, document_id);

CREATE INDEX dk_search_chunks_tsv ON dk_legacy.dk_search_chunks USING gin (tsv) WITH (fastupdate=off);

ALTER TABLE ONLY dk_legacy.dk_nodes
    ADD CONSTRAINT dk_nodes_conversation_id_fkey FOREIGN KEY (conversation_id) REFERENCES dk_legacy.dk_conversations(id) ON DELETE CASCADE;

