describe('dependencies that ship ESM only', () => {
  it('load under Jest (content-disposition through @bull-board/fastify)', () => {
    expect(typeof require('@bull-board/fastify').FastifyAdapter).toBe('function');
  });
});
