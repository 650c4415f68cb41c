import { describe, expect, it } from 'vitest';
import { mapMcpToolResult } from './map-mcp-tool-result.js';

describe('mapMcpToolResult', () => {
  it('joins text blocks and summarises the others, one per line', () => {
    const text = mapMcpToolResult({
      content: [
        { type: 'text', text: 'Found:' },
        { type: 'image', data: 'aGVsbG8=', mimeType: 'image/png' },
        { type: 'audio', data: 'aGk=', mimeType: 'audio/wav' },
        { type: 'resource_link', uri: 'file:///a.txt', name: 'a.txt', mimeType: 'text/plain', description: 'A note' },
        { type: 'resource', resource: { uri: 'memo://1', mimeType: 'text/plain', text: 'remember' } },
        { type: 'resource', resource: { uri: 'memo://2', blob: 'AAAA' } },
      ],
    });
    expect(text).toBe(
      [
        'Found:',
        '[image: image/png, 5 bytes]',
        '[audio: audio/wav, 2 bytes]',
        '[resource link "a.txt" file:///a.txt (text/plain): A note]',
        '[resource memo://1 (text/plain)]\nremember',
        '[resource memo://2, 3 bytes]',
      ].join('\n'),
    );
  });

  it('returns structured content as the object, ignoring its text copy', () => {
    const structured = { temperature: 21 };
    expect(
      mapMcpToolResult({ content: [{ type: 'text', text: '{"temperature":21}' }], structuredContent: structured }),
    ).toBe(structured);
  });

  it('describes block types of newer protocol versions instead of failing', () => {
    expect(mapMcpToolResult({ content: [{ type: 'hologram' } as never] })).toBe('[hologram content]');
  });
});
