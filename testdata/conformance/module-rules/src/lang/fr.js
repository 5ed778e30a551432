export default "bonjour";
