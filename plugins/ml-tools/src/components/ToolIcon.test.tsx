import { render, screen } from '@testing-library/react';
import { ToolIcon } from './ToolIcon';

describe('ToolIcon', () => {
  it('draws the icon a blueprint names, titled for screen readers', () => {
    const { container } = render(
      <ToolIcon icon="notebook" title="notebooks" />,
    );
    expect(screen.getByTitle('notebooks')).toBeInTheDocument();
    const named = container.innerHTML;
    const { container: other } = render(
      <ToolIcon icon="workflow" title="notebooks" />,
    );
    // Different names draw different icons.
    expect(other.innerHTML).not.toEqual(named);
  });

  it('shows an https icon as an image', () => {
    render(
      <ToolIcon icon="https://cdn.example.com/tool.svg" title="my-tool" />,
    );
    expect(screen.getByRole('img', { name: 'my-tool' })).toHaveAttribute(
      'src',
      'https://cdn.example.com/tool.svg',
    );
  });

  it('falls back to a generic icon for an unknown name, a plain http URL, or none', () => {
    const generic = render(<ToolIcon title="t" />).container.innerHTML;
    expect(
      render(<ToolIcon icon="no-such-icon" title="t" />).container.innerHTML,
    ).toEqual(generic);
    // Only https images: a page served over https must not load mixed content.
    expect(
      render(<ToolIcon icon="http://cdn.example.com/x.svg" title="t" />)
        .container.innerHTML,
    ).toEqual(generic);
  });
});
