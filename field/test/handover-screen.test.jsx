// @vitest-environment happy-dom
// The unit screen's "Hand this phone over": facts that could not be sent are counted on the
// screen, and the phone is handed over keeping them only by a tap that says so; the enrol
// screen of a handover says whose code it wants and can be cancelled.
import { describe, expect, it } from 'vitest'
import { render } from 'preact'
import { act } from 'preact/test-utils'
import { Handover } from '../src/ui/App.jsx'
import { EnrolScreen } from '../src/ui/Enrol.jsx'

async function mount(node) {
  const root = document.createElement('div')
  await act(() => render(node, root))
  return root
}

describe('handing the phone over, on screen', () => {
  it('says how many facts are not sent and hands over only when the officer says so', async () => {
    // given: two facts the sync could not send
    const calls = []
    const app = {
      prepareHandover: async () => (calls.push('prepare'), { unsent: 2 }),
      handOver: () => calls.push('hand over'),
    }
    const root = await mount(<Handover app={app} lang="en" />)
    expect(root.querySelector('[role=alert]')).toBe(null)
    await act(() => root.querySelector('button').click())
    expect(calls).toEqual(['prepare'])

    // when: the controller's answer (its store's handoverUnsent)
    await act(() => render(<Handover app={app} lang="en" unsent={2} />, root))

    // then
    expect(root.querySelector('[role=alert]').textContent).toBe('Facts not sent yet: 2. Connect and try again.')
    const buttons = [...root.querySelectorAll('button')].map((b) => b.textContent)
    expect(buttons).toEqual(['Try again', 'Hand over anyway: the facts stay on the phone and are sent later'])
    await act(() => root.querySelectorAll('button')[1].click())
    expect(calls).toEqual(['prepare', 'hand over'])
  })

  it('asks for the next officer’s code, and Cancel goes back', async () => {
    const calls = []
    const root = await mount(<EnrolScreen app={{ cancelHandover: () => calls.push('cancel') }} lang="en" handover />)
    expect(root.querySelector('h1').textContent).toBe('Handing this phone over: the next officer’s code')
    const cancel = [...root.querySelectorAll('button')].find((b) => b.textContent === 'Cancel')
    await act(() => cancel.click())
    expect(calls).toEqual(['cancel'])
    const plain = await mount(<EnrolScreen app={{}} lang="en" />)
    expect([...plain.querySelectorAll('button')].map((b) => b.textContent)).not.toContain('Cancel')
  })
})
